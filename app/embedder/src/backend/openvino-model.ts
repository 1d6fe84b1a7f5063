/**
 * The OpenVINO CPU runtime behind the same batch maths as `OnnxModel`: length buckets, right
 * padding, mean pooling. The int8 IR from NNCF runs integer matmuls (VNNI), where onnxruntime's
 * QDQ graph reaches about 40% of the speed on the same cores (see docs/benchmarks.md).
 */
import { basename } from 'node:path';
import type { BackendInfo, ModelPrecision } from './embedding-backend.js';
import {
  type HiddenStateReader,
  type LengthBucketOptions,
  runInBuckets,
  writePadded,
} from './length-buckets.js';
import { meanPool, unpadTokens } from './mean-pooling.js';
import { type OpenVinoCompileOptions, OpenVinoEncoder } from './openvino-runtime.js';

export interface OpenVinoModelOptions extends LengthBucketOptions {
  /** Directory holding `libopenvino_c.so`, the CPU plugin and TBB (the wheel's `openvino/libs`). */
  readonly libDir: string;
  /** Precision of the model file, reported in /info. */
  readonly precision: ModelPrecision;
  /** @default 1 */
  readonly intraOpNumThreads?: number;
  /** @default 384 */
  readonly dimensions?: number;
  readonly compile?: Omit<OpenVinoCompileOptions, 'inferenceNumThreads'>;
}

export class OpenVinoModel {
  /**
   * Compiles `modelPath` (.xml IR or .onnx) for the CPU plugin.
   * @throws OpenVinoError when the runtime or the model cannot be loaded
   */
  static async load(modelPath: string, options: OpenVinoModelOptions): Promise<OpenVinoModel> {
    const intraOpNumThreads = options.intraOpNumThreads ?? 1;
    const dims = options.dimensions ?? 384;
    // One run never pads past maxRunTokens, except a single sequence longer than it.
    const maxTokens = Math.max(options.maxRunTokens ?? 4096, 512);
    const encoder = OpenVinoEncoder.load(options.libDir, modelPath, dims, maxTokens, {
      ...options.compile,
      inferenceNumThreads: intraOpNumThreads,
    });
    return new OpenVinoModel(encoder, options, {
      requestedProvider: 'cpu',
      activeProvider: 'cpu',
      runtime: 'openvino',
      runtimeVersion: encoder.version,
      precision: options.precision,
      modelFile: basename(modelPath),
      intraOpNumThreads,
      dimensions: dims,
    });
  }

  private constructor(
    private readonly encoder: OpenVinoEncoder,
    private readonly bucketOptions: LengthBucketOptions,
    readonly info: BackendInfo,
  ) {}

  /** Same contract as `OnnxModel.embed`: mean-pooled, un-normalised vectors in input order. */
  embed(sequences: readonly Int32Array[]): Promise<Float32Array[]> {
    return this.runBuckets(sequences, (hidden, lengths, seqLen) =>
      meanPool(hidden, lengths, seqLen, this.info.dimensions),
    );
  }

  /** Same contract as `OnnxModel.embedTokens`: each sequence's token vectors, unpadded. */
  embedTokens(sequences: readonly Int32Array[]): Promise<Float32Array[]> {
    return this.runBuckets(sequences, (hidden, lengths, seqLen) =>
      unpadTokens(hidden, lengths, seqLen, this.info.dimensions),
    );
  }

  private runBuckets(
    sequences: readonly Int32Array[],
    read: HiddenStateReader,
  ): Promise<Float32Array[]> {
    return runInBuckets(sequences, this.bucketOptions, (batch, seqLen) => {
      // The encoder's output views memory it reuses on the next run: `read` copies out of it.
      const hidden = this.encoder.run(batch.length, seqLen, (ids, mask) =>
        writePadded(batch, seqLen, ids, mask),
      );
      return read(
        hidden,
        batch.map((s) => s.length),
        seqLen,
      );
    });
  }

  async close(): Promise<void> {
    this.encoder.close();
  }
}
