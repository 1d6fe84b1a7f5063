/**
 * The model backend seen by the batching queue: token ids in, mean-pooled vectors (or the
 * per-token vectors under them) out. Kept
 * behind an interface, as in text-embeddings-inference's `backends/core`, so the HTTP layer and
 * the queue never touch onnxruntime and tests can put a fake in its place.
 */
import type { ExecutionProvider } from '../config.js';

/** The inference runtime running the model. */
export type ModelRuntime = 'onnxruntime' | 'openvino';
/** Precision of the model file: the fp32 graph, or an int8 one from NNCF. */
export type ModelPrecision = 'fp32' | 'int8';
/**
 * Which model file runs: the fp32 graph; a static int8 one (weights and activations quantized
 * with calibrated per-tensor scales: onnxruntime's QDQ graph, the benchmark's OpenVINO IR); or
 * OpenVINO's weight-compressed int8 IR (u8 weights, fp32 activations that the CPU plugin
 * quantizes per token group at run time on VNNI CPUs, else it runs the matmuls in fp32).
 */
export type ModelVariant = 'fp32' | 'int8-static' | 'int8-weight-compressed';

export interface BackendInfo {
  readonly runtime: ModelRuntime;
  /** The runtime library's version, e.g. `1.30.0` or `2026.4.1-...`. */
  readonly runtimeVersion: string;
  readonly precision: ModelPrecision;
  readonly variant: ModelVariant;
  /** The file in the model directory the runtime loaded. */
  readonly modelFile: string;
  /**
   * OpenVINO's `DYNAMIC_QUANTIZATION_GROUP_SIZE` for the weight-compressed IR (0: off); absent
   * for other variants, where it does not apply.
   */
  readonly dynamicQuantizationGroupSize?: number;
  /**
   * Whether this CPU has VNNI (`avx_vnni` or `avx512_vnni` in /proc/cpuinfo; null where that
   * cannot be read): int8 kernels need it to be faster than fp32, and OpenVINO's dynamic
   * quantization runs only with it.
   */
  readonly cpuVnni: boolean | null;
  /** The provider asked for in the configuration. */
  readonly requestedProvider: ExecutionProvider;
  /** The provider the session actually runs on. */
  readonly activeProvider: ExecutionProvider;
  /**
   * Why the active provider or runtime differs from the requested one; absent when they agree.
   */
  readonly fallbackReason?: string;
  readonly intraOpNumThreads: number;
  readonly dimensions: number;
}

export interface EmbeddingBackend {
  readonly info: BackendInfo;
  /**
   * Runs one batch of already tokenized, already truncated sequences.
   * @returns one mean-pooled, un-normalised vector per sequence, in input order
   */
  embed(sequences: readonly Int32Array[]): Promise<Float32Array[]>;
  /**
   * Runs one batch and returns the model's per-token vectors instead of pooling them, for
   * TEI's `/embed_all` (as TEI's backends return `Embedding::All` for raw indices).
   * @returns one `[length x dimensions]` row-major array per sequence, in input order
   */
  embedTokens(sequences: readonly Int32Array[]): Promise<Float32Array[]>;
  /** False once the backend can no longer run batches (its worker died); /health then fails. */
  isAlive(): boolean;
  /** Frees the session; pending `embed` calls reject. */
  close(): Promise<void>;
}
