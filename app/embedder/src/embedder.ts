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
import { BatchQueue } from './batching/batch-queue.js';
import { type EmbedderConfig, envName } from './config.js';
import type { EmbedderMetrics } from './embedder-metrics.js';
import { BackendError, EmptyInputError, NotReadyError, PayloadTooLargeError } from './errors.js';
import { EmbeddingTokenizer } from './tokenization/embedding-tokenizer.js';

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
  return OnnxBackend.startOpenVino(join(files.dir, files.manifest.variants.openvino[precision]), {
    libDir: config.openvinoLibDir,
    precision,
    intraOpNumThreads: config.intraOpNumThreads,
    dimensions: files.manifest.dimensions,
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
    isAlive: () => backend.isAlive(),
    close: () => backend.close(),
  };
};

/** `auto` precision: int8 on CPU (the static NNCF graphs), fp32 on CUDA. */
export function resolvePrecision(config: EmbedderConfig): ModelPrecision {
  if (config.precision !== 'auto') return config.precision;
  return config.executionProvider === 'cuda' ? 'fp32' : 'int8';
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

export interface EmbedResult {
  readonly vectors: Float32Array[];
  /** Tokens across all inputs after truncation, special tokens included. */
  readonly promptTokens: number;
  readonly tokenizationMs: number;
  readonly queueMs: number;
  readonly inferenceMs: number;
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
  private loadError: Error | undefined;
  private files: ModelFiles | undefined;
  private tokenizer: EmbeddingTokenizer | undefined;
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
      const [tokenizer, backend] = await Promise.all([
        EmbeddingTokenizer.load(
          files.paths['tokenizer.json'],
          files.paths['tokenizer_config.json'],
          files.manifest.maxInputTokens,
        ),
        this.createBackend(files, this.config),
      ]);
      this.tokenizer = tokenizer;
      this.backend = backend;
      if (this.stateValue !== 'loading') {
        await backend.close();
        return;
      }
      this.queue = new BatchQueue({
        runBatch: (sequences) => backend.embed(sequences),
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
      const { info } = backend;
      this.metrics.backendInfo.set(
        {
          runtime: info.runtime,
          runtime_version: info.runtimeVersion,
          precision: info.precision,
          provider: info.activeProvider,
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
          modelFile: info.modelFile,
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
    const { tokenizer, queue } = this;
    if (this.stateValue !== 'ready' || !tokenizer || !queue) throw this.notReady();
    if (inputs.length === 0) throw new EmptyInputError('`inputs` cannot be empty');
    if (inputs.length > this.config.maxClientBatchSize) {
      throw new PayloadTooLargeError(
        `batch size ${inputs.length} > maximum allowed batch size ${this.config.maxClientBatchSize}`,
      );
    }
    const emptyAt = inputs.indexOf('');
    if (emptyAt !== -1) throw new EmptyInputError(`input ${emptyAt} is an empty string`);

    const truncate = options.truncate ?? this.config.autoTruncate;
    const tokenizeStart = performance.now();
    const sequences = inputs.map((text, index) => tokenizer.encode(text, { truncate }, index));
    const tokenizationMs = performance.now() - tokenizeStart;
    const promptTokens = sequences.reduce((sum, ids) => sum + ids.length, 0);
    this.metrics.tokenizationSeconds.observe(tokenizationMs / 1000);

    const queued = queue.submit(sequences);
    this.metrics.queueDepth.set(queue.depth);
    const result = await queued;
    this.metrics.inputs.inc(inputs.length);
    this.metrics.tokens.inc(promptTokens);
    return {
      vectors: options.normalize === false ? result.vectors : result.vectors.map(l2Normalize),
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
