/**
 * The OpenVINO CPU runtime behind the same batch maths as `OnnxModel`: length buckets, right
 * padding, mean pooling. On VNNI CPUs the static int8 IR runs integer matmuls, where
 * onnxruntime's QDQ graph reaches about 40% of the speed on the same cores, and the
 * weight-compressed one does with dynamic quantization (see docs/benchmarks.md).
 */
import { basename } from 'node:path';
import { cpuHasVnni } from './cpu-has-vnni.js';
import type { BackendInfo, ModelPrecision, ModelVariant } from './embedding-backend.js';
import {
  type HiddenStateReader,
  type LengthBucketOptions,
  runInBuckets,
  writePadded,
} from './length-buckets.js';
import { meanPool, unpadTokens } from './mean-pooling.js';
import { type OpenVinoCompileOptions, OpenVinoEncoder } from './openvino-runtime.js';

/**
 * Values per activation scale when OpenVINO quantizes the weight-compressed IR's activations at
 * run time: 32 is the CPU plugin's own choice for compressed weights and what the build's
 * accuracy check uses (build-model.py).
 */
export const DEFAULT_DYNAMIC_QUANTIZATION_GROUP_SIZE = 32;

export interface OpenVinoModelOptions extends LengthBucketOptions {
  /** Directory holding `libopenvino_c.so`, the CPU plugin and TBB (the wheel's `openvino/libs`). */
  readonly libDir: string;
  /** Precision of the model file, reported in /info. */
  readonly precision: ModelPrecision;
  /**
   * Which kind of file `modelPath` is, reported in /info; `dynamicQuantizationGroupSize` is
   * passed to the plugin only for `int8-weight-compressed` (default
   * `DEFAULT_DYNAMIC_QUANTIZATION_GROUP_SIZE`).
   * @default 'fp32' for precision fp32, else 'int8-weight-compressed'
   */
  readonly variant?: ModelVariant;
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
    const variant =
      options.variant ?? (options.precision === 'fp32' ? 'fp32' : 'int8-weight-compressed');
    const { dynamicQuantizationGroupSize, ...compile } = options.compile ?? {};
    const groupSize =
      variant === 'int8-weight-compressed'
        ? (dynamicQuantizationGroupSize ?? DEFAULT_DYNAMIC_QUANTIZATION_GROUP_SIZE)
        : undefined;
    const encoder = OpenVinoEncoder.load(options.libDir, modelPath, dims, maxTokens, {
      ...compile,
      ...(groupSize === undefined ? {} : { dynamicQuantizationGroupSize: groupSize }),
      inferenceNumThreads: intraOpNumThreads,
    });
    return new OpenVinoModel(encoder, options, {
      requestedProvider: 'cpu',
      activeProvider: 'cpu',
      runtime: 'openvino',
      runtimeVersion: encoder.version,
      precision: options.precision,
      variant,
      modelFile: basename(modelPath),
      // As the plugin took it, not as asked.
      ...(groupSize === undefined
        ? {}
        : {
            dynamicQuantizationGroupSize: Number(
              encoder.property('DYNAMIC_QUANTIZATION_GROUP_SIZE'),
            ),
          }),
      cpuVnni: cpuHasVnni(),
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
