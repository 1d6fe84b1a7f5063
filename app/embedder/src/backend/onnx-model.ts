/**
 * One onnxruntime session over a BERT-style encoder, plus the batch maths around it: length
 * buckets, padding, the three int64 input tensors and mean pooling. The worker thread, the
 * benchmark's bare path and its naive server all run the model through this class, so they
 * measure the same code.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import ort from 'onnxruntime-node';
import type { EmbedderConfig, ExecutionProvider } from '../config.js';
import { cpuHasVnni } from './cpu-has-vnni.js';
import type { BackendInfo, ModelPrecision } from './embedding-backend.js';
import {
  type HiddenStateReader,
  type LengthBucketOptions,
  runInBuckets,
  writePadded,
} from './length-buckets.js';
import { meanPool, unpadTokens } from './mean-pooling.js';

export interface OnnxModelOptions {
  /** @default 'cpu' */
  readonly executionProvider?: ExecutionProvider;
  /** @default 1 */
  readonly intraOpNumThreads?: number;
  /** @default 'all' */
  readonly graphOptimizationLevel?: EmbedderConfig['graphOptimizationLevel'];
  /**
   * Within a batch, a sequence shorter than this fraction of the longest one still waiting
   * starts a new model run, so short inputs are not padded to the length of long ones.
   * @default 0.75
   */
  readonly bucketLengthRatio?: number;
  /**
   * Most padded tokens (inputs x longest length) in one model run; longer buckets are split.
   * Attention memory grows with inputs x length², so this bounds the peak memory of a run
   * (16 inputs of 256 tokens) without costing throughput: on CPU a run of 16 is as efficient
   * per text as a run of 64.
   * @default 4096
   */
  readonly maxRunTokens?: number;
  /**
   * Most attention-matrix entries (inputs x longest length²) in one model run. Each attention
   * layer holds a few float32 tensors of 12 heads x this many entries, so this bounds the
   * transient memory of long inputs: 4 inputs of 256 tokens (about 13 MB a tensor), where 16 of
   * them pushed the service's peak past 900 MB. Short inputs are unaffected (64 of 64 tokens).
   * @default 262144
   */
  readonly maxRunAttentionEntries?: number;
  /**
   * Keep onnxruntime's CPU memory arena. It never returns memory, and with varying batch
   * shapes it grew past 900 MB where the service otherwise stays near 300 MB.
   * @default false
   */
  readonly enableCpuMemArena?: boolean;
  /** Precision of the model file, reported in /info. @default 'fp32' */
  readonly precision?: ModelPrecision;
}

export class OnnxModel {
  /**
   * Creates the session on the requested provider; when CUDA cannot load (no GPU, or the
   * provider libraries are missing) it creates a CPU session and records why.
   */
  static async load(modelPath: string, options: OnnxModelOptions = {}): Promise<OnnxModel> {
    const requestedProvider = options.executionProvider ?? 'cpu';
    const intraOpNumThreads = options.intraOpNumThreads ?? 1;
    const sessionOptions: ort.InferenceSession.SessionOptions = {
      intraOpNumThreads,
      interOpNumThreads: 1,
      graphOptimizationLevel: options.graphOptimizationLevel ?? 'all',
      executionMode: 'sequential',
      enableCpuMemArena: options.enableCpuMemArena ?? false,
      // Memory patterns only pay off for fixed input shapes; ours change with every batch.
      enableMemPattern: false,
      // Idle intra-op threads would spin between runs and take the CPU the HTTP thread needs
      // to parse, tokenize and serialize; measured no slower per run without spinning.
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    };
    let fallbackReason: string | undefined;
    if (requestedProvider === 'cuda') {
      try {
        const session = await ort.InferenceSession.create(modelPath, {
          ...sessionOptions,
          executionProviders: ['cuda'],
        });
        return new OnnxModel(
          session,
          modelPath,
          { requestedProvider, activeProvider: 'cuda' },
          options,
        );
      } catch (error) {
        fallbackReason = `CUDA execution provider failed to load: ${(error as Error).message}${cudaHint()}`;
      }
    }
    const session = await ort.InferenceSession.create(modelPath, {
      ...sessionOptions,
      executionProviders: ['cpu'],
    });
    return new OnnxModel(
      session,
      modelPath,
      { requestedProvider, activeProvider: 'cpu', ...(fallbackReason ? { fallbackReason } : {}) },
      options,
    );
  }

  readonly info: BackendInfo;
  private readonly bucketOptions: LengthBucketOptions;
  private readonly outputName: string;

  private constructor(
    private readonly session: ort.InferenceSession,
    modelPath: string,
    providers: Pick<BackendInfo, 'requestedProvider' | 'activeProvider' | 'fallbackReason'>,
    options: OnnxModelOptions,
  ) {
    const output = session.outputNames[0];
    if (!output) throw new Error('the ONNX model declares no outputs');
    this.outputName = output;
    const metadata = session.outputMetadata.find((m) => m.name === output);
    const lastDim = metadata?.isTensor ? metadata.shape.at(-1) : undefined;
    this.info = {
      ...providers,
      runtime: 'onnxruntime',
      runtimeVersion: ort.env.versions.common,
      precision: options.precision ?? 'fp32',
      // onnxruntime's int8 file is the static QDQ graph.
      variant: (options.precision ?? 'fp32') === 'fp32' ? 'fp32' : 'int8-static',
      modelFile: basename(modelPath),
      cpuVnni: cpuHasVnni(),
      intraOpNumThreads: options.intraOpNumThreads ?? 1,
      dimensions: typeof lastDim === 'number' ? lastDim : 384,
    };
    this.bucketOptions = options;
  }

  /**
   * Embeds token sequences: sorts them by length, runs each length bucket (within
   * `maxRunTokens` and `maxRunAttentionEntries`) as one padded batch, and returns mean-pooled
   * (un-normalised) vectors in input order.
   */
  embed(sequences: readonly Int32Array[]): Promise<Float32Array[]> {
    return this.runBuckets(sequences, (hidden, lengths, seqLen) =>
      meanPool(hidden, lengths, seqLen, this.info.dimensions),
    );
  }

  /**
   * The model's last hidden state for each sequence, unpooled (TEI's `/embed_all`): one
   * `[length x dimensions]` row-major array per sequence, padding cut off, in input order.
   */
  embedTokens(sequences: readonly Int32Array[]): Promise<Float32Array[]> {
    return this.runBuckets(sequences, (hidden, lengths, seqLen) =>
      unpadTokens(hidden, lengths, seqLen, this.info.dimensions),
    );
  }

  /** Runs the length buckets of `sequences` and reads each run's output with `read`. */
  private runBuckets(
    sequences: readonly Int32Array[],
    read: HiddenStateReader,
  ): Promise<Float32Array[]> {
    return runInBuckets(sequences, this.bucketOptions, (batch, seqLen) =>
      this.runPadded(batch, seqLen, read),
    );
  }

  async close(): Promise<void> {
    await this.session.release();
  }

  private async runPadded(
    batch: readonly Int32Array[],
    seqLen: number,
    read: HiddenStateReader,
  ): Promise<Float32Array[]> {
    const size = batch.length * seqLen;
    const inputIds = new BigInt64Array(size);
    const attentionMask = new BigInt64Array(size);
    writePadded(batch, seqLen, inputIds, attentionMask);
    const dims = [batch.length, seqLen];
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', inputIds, dims),
      attention_mask: new ort.Tensor('int64', attentionMask, dims),
    };
    if (this.session.inputNames.includes('token_type_ids')) {
      feeds.token_type_ids = new ort.Tensor('int64', new BigInt64Array(size), dims);
    }
    const outputs = await this.session.run(feeds);
    const hidden = outputs[this.outputName];
    if (!hidden) throw new Error(`the ONNX model returned no ${this.outputName}`);
    const result = read(
      hidden.data as Float32Array,
      batch.map((ids) => ids.length),
      seqLen,
    );
    hidden.dispose();
    return result;
  }
}

/**
 * onnxruntime-node logs the real cause (a missing shared library) to stderr only; name the usual
 * one so /info explains itself.
 */
function cudaHint(): string {
  const binDir = join(
    dirname(createRequire(import.meta.url).resolve('onnxruntime-node')),
    '..',
    'bin',
    'napi-v6',
    process.platform,
    process.arch,
  );
  if (!existsSync(join(binDir, 'libonnxruntime_providers_shared.so'))) {
    return ` (${join(binDir, 'libonnxruntime_providers_shared.so')} is missing: onnxruntime-node was installed without its CUDA provider files)`;
  }
  return ' (the CUDA provider is installed; check that a GPU, its driver and the CUDA 12 / cuDNN 9 libraries are visible)';
}
