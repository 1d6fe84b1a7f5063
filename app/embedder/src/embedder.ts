/**
 * The embedder's core, between the HTTP routes and the model: loads the model directory,
 * checks a request's limits once for every route, tokenizes, submits to the batching queue and
 * normalises the pooled vectors. Routes only translate wire formats.
 */

import { join } from 'node:path';
import type { Logger } from 'pino';
import { loadModelFiles, type ModelFiles } from '../../common/model-files.js';
import type { BackendInfo, EmbeddingBackend, ModelPrecision } from './backend/embedding-backend.js';
import { l2Normalize } from './backend/mean-pooling.js';
import { OnnxBackend } from './backend/onnx-backend.js';
import { BatchQueue, type ModelOutput } from './batching/batch-queue.js';
import { type EmbedderConfig, envName } from './config.js';
import type { EmbedderMetrics } from './embedder-metrics.js';
import {
  BackendError,
  EmptyInputError,
  NotReadyError,
  OverloadedError,
  PayloadTooLargeError,
} from './errors.js';
import { EmbeddingTokenizer } from './tokenization/embedding-tokenizer.js';
import { type OffsetToken, OffsetTokenizer } from './tokenization/offset-tokenizer.js';

/** Builds the model backend once the model files are verified. */
export type BackendFactory = (
  files: ModelFiles,
  config: EmbedderConfig,
) => Promise<EmbeddingBackend>;

/** onnxruntime for the configured provider and precision (CUDA, or the portable CPU path). */
export const onnxBackendFactory: BackendFactory = (files, config) => {
  const precision = resolvePrecision(config);
  return OnnxBackend.start(join(files.dir, files.manifest.variants.onnxruntime[precision]), {
    executionProvider: config.executionProvider,
    intraOpNumThreads: config.intraOpNumThreads,
    graphOptimizationLevel: config.graphOptimizationLevel,
    precision,
  });
};

/** OpenVINO's CPU runtime; fails when its library or the model cannot load. */
export const openVinoBackendFactory: BackendFactory = (files, config) => {
  const precision = resolvePrecision(config);
  if (!config.openvinoLibDir) {
    return Promise.reject(
      new BackendError(
        `OpenVINO is not available: no openvinoLibDir configured (${envName('openvinoLibDir')})`,
      ),
    );
  }
  // int8 is the weight-compressed IR (manifest variants): activations quantized at run time.
  return OnnxBackend.startOpenVino(join(files.dir, files.manifest.variants.openvino[precision]), {
    libDir: config.openvinoLibDir,
    precision,
    variant: precision === 'fp32' ? 'fp32' : 'int8-weight-compressed',
    intraOpNumThreads: config.intraOpNumThreads,
    dimensions: files.manifest.dimensions,
    compile: { dynamicQuantizationGroupSize: config.openvinoDynamicQuantizationGroupSize },
  });
};

/**
 * The configured runtime: `openvino` or `onnxruntime` as asked (failing at boot if it cannot
 * load); `auto` tries OpenVINO on CPU and falls back to onnxruntime, recording why in
 * `info.fallbackReason`, which the embedder logs and /info shows.
 */
export const modelBackendFactory: BackendFactory = async (files, config) => {
  if (config.runtime === 'openvino') return openVinoBackendFactory(files, config);
  if (config.runtime === 'onnxruntime' || config.executionProvider === 'cuda') {
    return onnxBackendFactory(files, config);
  }
  let reason: string;
  try {
    return await openVinoBackendFactory(files, config);
  } catch (error) {
    reason = `OpenVINO unavailable, serving on onnxruntime: ${(error as Error).message}`;
  }
  const backend = await onnxBackendFactory(files, config);
  return {
    info: { ...backend.info, fallbackReason: backend.info.fallbackReason ?? reason },
    embed: (sequences) => backend.embed(sequences),
    embedTokens: (sequences) => backend.embedTokens(sequences),
    isAlive: () => backend.isAlive(),
    close: () => backend.close(),
  };
};

/**
 * `auto` precision: fp32 everywhere. The static int8 variants miss the accuracy gate (cosine 0.72
 * against fp32 on the shortest texts, where 0.995 is required; docs/model-build.md). OpenVINO's
 * weight-compressed int8 passes it weight-only (0.9988, CPUs without VNNI), but with the dynamic
 * activation quantization that makes it fast on VNNI CPUs its accuracy is unmeasured, so int8 is
 * served only when `precision: 'int8'` asks for it by name.
 */
export function resolvePrecision(config: EmbedderConfig): ModelPrecision {
  return config.precision === 'auto' ? 'fp32' : config.precision;
}

export interface EmbedderOptions {
  readonly config: EmbedderConfig;
  readonly metrics: EmbedderMetrics;
  readonly logger: Logger;
  /** @default modelBackendFactory - OpenVINO or onnxruntime in a worker thread, per config */
  readonly createBackend?: BackendFactory;
}

export interface EmbedOptions {
  /** @default true */
  readonly normalize?: boolean;
  /** @default config.autoTruncate */
  readonly truncate?: boolean;
}

export interface EmbedAllOptions {
  /** @default config.autoTruncate */
  readonly truncate?: boolean;
}

export interface TokenizeOptions {
  /** @default true */
  readonly addSpecialTokens?: boolean;
}

export interface DecodeOptions {
  /** @default true */
  readonly skipSpecialTokens?: boolean;
}

/** What the queue answered for one request, with the time spent on each step. */
interface QueuedEmbedding {
  readonly vectors: Float32Array[];
  readonly promptTokens: number;
  readonly tokenizationMs: number;
  readonly queueMs: number;
  readonly inferenceMs: number;
}

export interface EmbedResult extends QueuedEmbedding {
  /** One vector per input. */
  readonly vectors: Float32Array[];
  /** Tokens across all inputs after truncation, special tokens included. */
  readonly promptTokens: number;
  readonly tokenizationMs: number;
  readonly queueMs: number;
  readonly inferenceMs: number;
}

export interface EmbedAllResult extends QueuedEmbedding {
  /** One `[tokens x dimensions]` row-major array per input, `[CLS]` and `[SEP]` included. */
  readonly vectors: Float32Array[];
  readonly dimensions: number;
}

export type EmbedderState = 'loading' | 'ready' | 'failed' | 'closing' | 'closed';

export interface EmbedderInfo {
  readonly modelId: string | null;
  readonly modelPrecision: string | null;
  readonly dimensions: number | null;
  readonly maxInputTokens: number | null;
  readonly backend: BackendInfo | null;
}

export class Embedder {
  readonly config: EmbedderConfig;
  private stateValue: EmbedderState = 'loading';
  /** When the model finished loading (ms since the epoch); `/v1/models` calls it `created`. */
  private loadedAtMs: number | undefined;
  private loadError: Error | undefined;
  private files: ModelFiles | undefined;
  private tokenizer: EmbeddingTokenizer | undefined;
  private offsetTokenizer: OffsetTokenizer | undefined;
  private backend: EmbeddingBackend | undefined;
  private queue: BatchQueue | undefined;
  private readonly metrics: EmbedderMetrics;
  private readonly logger: Logger;
  private readonly createBackend: BackendFactory;

  constructor(options: EmbedderOptions) {
    this.config = options.config;
    this.metrics = options.metrics;
    this.logger = options.logger;
    this.createBackend = options.createBackend ?? modelBackendFactory;
  }

  get state(): EmbedderState {
    return this.stateValue;
  }

  /** Ready and able to run the model: what /health reports. */
  get healthy(): boolean {
    return this.stateValue === 'ready' && (this.backend?.isAlive() ?? false);
  }

  /** Requests admitted to the queue and not yet answered. */
  get admittedRequests(): number {
    return this.queue?.size ?? 0;
  }

  get loadedAt(): number | undefined {
    return this.loadedAtMs;
  }

  get info(): EmbedderInfo {
    return {
      modelId: this.files?.manifest.modelId ?? null,
      modelPrecision: this.backend?.info.precision ?? null,
      dimensions: this.backend?.info.dimensions ?? this.files?.manifest.dimensions ?? null,
      maxInputTokens: this.files?.manifest.maxInputTokens ?? null,
      backend: this.backend?.info ?? null,
    };
  }

  /**
   * Verifies and loads the model, then starts the queue. Until it resolves, `embed` answers
   * 503; if it fails, the embedder stays unhealthy and the error is rethrown.
   */
  async start(): Promise<void> {
    const startedAt = performance.now();
    try {
      const files = await loadModelFiles(this.config.modelDir);
      this.files = files;
      const [tokenizer, offsetTokenizer, backend] = await Promise.all([
        EmbeddingTokenizer.load(
          files.paths['tokenizer.json'],
          files.paths['tokenizer_config.json'],
          files.manifest.maxInputTokens,
        ).then(async (tokenizer) => {
          await tokenizer.startWorker();
          return tokenizer;
        }),
        OffsetTokenizer.load(files.paths['tokenizer.json'], files.manifest.maxInputTokens),
        this.createBackend(files, this.config),
      ]);
      this.tokenizer = tokenizer;
      this.offsetTokenizer = offsetTokenizer;
      this.backend = backend;
      if (this.stateValue !== 'loading') {
        await backend.close();
        await tokenizer.close();
        return;
      }
      this.queue = new BatchQueue({
        runBatch: (sequences, outputs) => runMixedBatch(backend, sequences, outputs),
        maxBatchTokens: this.config.maxBatchTokens,
        maxBatchRequests: this.config.maxBatchRequests,
        maxConcurrentRequests: this.config.maxConcurrentRequests,
        onBatch: (stats) => {
          this.metrics.observeBatch(stats);
          this.metrics.queueDepth.set(this.queue?.depth ?? 0);
          if (stats.error)
            this.logger.error({ err: stats.error, size: stats.size }, 'model run failed');
        },
      });
      this.stateValue = 'ready';
      this.loadedAtMs = Date.now();
      const { info } = backend;
      this.metrics.backendInfo.set(
        {
          requested: info.requestedProvider,
          active: info.activeProvider,
          runtime: info.runtime,
          runtime_version: info.runtimeVersion,
          precision: info.precision,
          variant: info.variant,
          cpu_vnni: info.cpuVnni === null ? 'unknown' : String(info.cpuVnni),
          fallback: info.fallbackReason ? 'true' : 'false',
        },
        1,
      );
      if (info.fallbackReason) {
        this.logger.warn(
          {
            runtime: info.runtime,
            requestedProvider: info.requestedProvider,
            activeProvider: info.activeProvider,
            reason: info.fallbackReason,
          },
          'requested runtime or execution provider unavailable; serving on the fallback',
        );
      }
      this.logger.info(
        {
          modelId: files.manifest.modelId,
          runtime: info.runtime,
          runtimeVersion: info.runtimeVersion,
          precision: info.precision,
          variant: info.variant,
          modelFile: info.modelFile,
          dynamicQuantizationGroupSize: info.dynamicQuantizationGroupSize,
          cpuVnni: info.cpuVnni,
          provider: info.activeProvider,
          intraOpNumThreads: info.intraOpNumThreads,
          loadMs: Math.round(performance.now() - startedAt),
        },
        'model loaded',
      );
    } catch (error) {
      if (this.stateValue === 'loading') this.stateValue = 'failed';
      this.loadError = error as Error;
      throw error;
    }
  }

  /**
   * Embeds `inputs` in order.
   * @throws EmptyInputError for no inputs or an empty string (400)
   * @throws PayloadTooLargeError past `maxClientBatchSize` inputs or the token limit (413)
   * @throws OverloadedError when the queue is full (429)
   * @throws NotReadyError before the model is loaded or while shutting down (503)
   */
  async embed(inputs: readonly string[], options: EmbedOptions = {}): Promise<EmbedResult> {
    const result = await this.run(inputs, options.truncate, 'pooled');
    return {
      ...result,
      vectors: options.normalize === false ? result.vectors : result.vectors.map(l2Normalize),
    };
  }

  /**
   * The model's per-token vectors for each input (TEI's `/embed_all`), through the same limits,
   * queue and batches as `embed`; not pooled and not normalised.
   * @throws as `embed`
   */
  async embedAll(
    inputs: readonly string[],
    options: EmbedAllOptions = {},
  ): Promise<EmbedAllResult> {
    const result = await this.run(inputs, options.truncate, 'tokens');
    return { ...result, dimensions: this.backend?.info.dimensions ?? 0 };
  }

  /**
   * Tokens of each input with their UTF-8 byte offsets, as TEI's `/tokenize`. Never truncates.
   * Refused like `embed` (400, 413, 429, 503) though it needs no model run: it takes the same
   * thread that serves every request.
   */
  async tokenize(
    inputs: readonly string[],
    options: TokenizeOptions = {},
  ): Promise<OffsetToken[][]> {
    const tokenizer = this.offsetTokenizer;
    this.admit(inputs.length, '`inputs`');
    if (!tokenizer) throw this.notReady();
    const emptyAt = inputs.indexOf('');
    if (emptyAt !== -1) throw new EmptyInputError(`input ${emptyAt} is an empty string`);
    const addSpecialTokens = options.addSpecialTokens ?? true;
    return Promise.all(
      inputs.map((text, index) => tokenizer.tokenize(text, { addSpecialTokens }, index)),
    );
  }

  /** Text of each id sequence, as TEI's `/decode`; refused like `tokenize`. */
  async decode(
    sequences: readonly (readonly number[])[],
    options: DecodeOptions = {},
  ): Promise<string[]> {
    const tokenizer = this.offsetTokenizer;
    this.admit(sequences.length, '`ids`');
    if (!tokenizer) throw this.notReady();
    const emptyAt = sequences.findIndex((ids) => ids.length === 0);
    if (emptyAt !== -1) throw new EmptyInputError(`ids ${emptyAt} is an empty list`);
    const skipSpecialTokens = options.skipSpecialTokens ?? true;
    return Promise.all(
      sequences.map((ids, index) => tokenizer.decode(ids, { skipSpecialTokens }, index)),
    );
  }

  /**
   * The checks every route shares, in TEI's order: ready (503), not empty (400), not more than
   * `maxClientBatchSize` inputs (413).
   */
  private checkRequest(count: number, what: string): void {
    if (this.stateValue !== 'ready' || !this.queue) throw this.notReady();
    if (count === 0) throw new EmptyInputError(`${what} cannot be empty`);
    if (count > this.config.maxClientBatchSize) {
      throw new PayloadTooLargeError(
        `batch size ${count} > maximum allowed batch size ${this.config.maxClientBatchSize}`,
      );
    }
  }

  /**
   * `checkRequest`, plus room in the queue (429) for work that does not enter it: the queue
   * checks its own admissions.
   */
  private admit(count: number, what: string): void {
    this.checkRequest(count, what);
    if (this.queue && this.queue.size >= this.queue.maxConcurrentRequests) {
      throw new OverloadedError(
        `model is overloaded: ${this.queue.size} requests are queued or running (maxConcurrentRequests ${this.queue.maxConcurrentRequests})`,
      );
    }
  }

  /** Checks, tokenizes and queues `inputs`; resolves with what the model answered. */
  private async run(
    inputs: readonly string[],
    truncateOption: boolean | undefined,
    output: ModelOutput,
  ): Promise<QueuedEmbedding> {
    this.checkRequest(inputs.length, '`inputs`');
    const { tokenizer, queue } = this;
    if (!tokenizer || !queue) throw this.notReady();
    const emptyAt = inputs.indexOf('');
    if (emptyAt !== -1) throw new EmptyInputError(`input ${emptyAt} is an empty string`);

    const truncate = truncateOption ?? this.config.autoTruncate;
    const tokenizeStart = performance.now();
    // Off the event loop when large (see EmbeddingTokenizer.encodeAll).
    const sequences = await tokenizer.encodeAll(inputs, { truncate });
    const tokenizationMs = performance.now() - tokenizeStart;
    const promptTokens = sequences.reduce((sum, ids) => sum + ids.length, 0);
    this.metrics.tokenizationSeconds.observe(tokenizationMs / 1000);

    const queued = queue.submit(sequences, output);
    this.metrics.queueDepth.set(queue.depth);
    const result = await queued;
    this.metrics.inputs.inc(inputs.length);
    this.metrics.tokens.inc(promptTokens);
    return {
      vectors: result.vectors,
      promptTokens,
      tokenizationMs,
      queueMs: result.queueMs,
      inferenceMs: result.inferenceMs,
    };
  }

  /** Refuses new work, finishes what is queued, then frees the model. */
  async close(): Promise<void> {
    if (this.stateValue === 'closing' || this.stateValue === 'closed') return;
    this.stateValue = 'closing';
    await this.queue?.close();
    await this.backend?.close();
    await this.tokenizer?.close();
    this.stateValue = 'closed';
  }

  private notReady(): NotReadyError {
    switch (this.stateValue) {
      case 'loading':
        return new NotReadyError('the model is still loading');
      case 'failed':
        return new NotReadyError(
          `the model failed to load: ${this.loadError?.message ?? 'unknown error'}`,
        );
      default:
        return new NotReadyError('the embedder is shutting down');
    }
  }
}

/**
 * Runs a batch that may mix pooled and per-token requests: one backend call per kind, answers
 * put back in batch order.
 */
export async function runMixedBatch(
  backend: EmbeddingBackend,
  sequences: readonly Int32Array[],
  outputs: readonly ModelOutput[],
): Promise<Float32Array[]> {
  if (outputs.every((output) => output === 'pooled')) return backend.embed(sequences);
  const results = new Array<Float32Array>(sequences.length);
  for (const output of ['pooled', 'tokens'] as const) {
    const at = outputs.flatMap((o, i) => (o === output ? [i] : []));
    if (at.length === 0) continue;
    const batch = at.map((i) => sequences[i] as Int32Array);
    const answers =
      output === 'pooled' ? await backend.embed(batch) : await backend.embedTokens(batch);
    at.forEach((i, k) => {
      results[i] = answers[k] as Float32Array;
    });
  }
  return results;
}
