/**
 * The embedder's Prometheus metrics, on a registry of its own so several apps (tests) can live
 * in one process. Names follow Prometheus conventions: `_total` counters, `_seconds` timings.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { BatchStats } from './batching/batch-queue.js';

export class EmbedderMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'meshrag_embed_requests_total',
    help: 'HTTP requests answered, by route and status code',
    labelNames: ['route', 'status'] as const,
    registers: [this.registry],
  });
  readonly inputs = new Counter({
    name: 'meshrag_embed_inputs_total',
    help: 'Texts embedded',
    registers: [this.registry],
  });
  readonly tokens = new Counter({
    name: 'meshrag_embed_tokens_total',
    help: 'Tokens embedded (after truncation, special tokens included)',
    registers: [this.registry],
  });
  readonly batchSize = new Histogram({
    name: 'meshrag_embed_batch_size',
    help: 'Inputs per model run',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    registers: [this.registry],
  });
  readonly batchTokens = new Histogram({
    name: 'meshrag_embed_batch_tokens',
    help: 'Real (unpadded) tokens per model run',
    buckets: [16, 64, 256, 1024, 4096, 16_384, 65_536],
    registers: [this.registry],
  });
  readonly queueSeconds = new Histogram({
    name: 'meshrag_embed_queue_seconds',
    help: 'Time an input waited in the queue before its model run started',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly inferenceSeconds = new Histogram({
    name: 'meshrag_embed_inference_seconds',
    help: 'Duration of one model run',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly tokenizationSeconds = new Histogram({
    name: 'meshrag_embed_tokenization_seconds',
    help: 'Time to tokenize one request',
    buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1],
    registers: [this.registry],
  });
  readonly batchFailures = new Counter({
    name: 'meshrag_embed_batch_failures_total',
    help: 'Model runs that failed',
    registers: [this.registry],
  });
  /**
   * 1 for the execution provider asked for and the one in use: a GPU pod that fell back to CPU
   * shows as `{requested="cuda",active="cpu"}`, so an alert can catch it.
   */
  readonly backendInfo = new Gauge({
    name: 'meshrag_embedder_backend_info',
    help: 'The execution provider requested and the one the model runs on, with the runtime, its version, the precision, the model variant (fp32, int8-static, int8-weight-compressed) and whether the CPU has VNNI (always 1)',
    labelNames: [
      'requested',
      'active',
      'runtime',
      'runtime_version',
      'precision',
      'variant',
      'cpu_vnni',
      'fallback',
    ] as const,
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({
    name: 'meshrag_embed_queue_depth',
    help: 'Inputs waiting for a model run',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Records one model run (hooked into the batch queue). */
  observeBatch(stats: BatchStats): void {
    this.batchSize.observe(stats.size);
    this.batchTokens.observe(stats.tokens);
    this.inferenceSeconds.observe(stats.inferenceMs / 1000);
    for (const ms of stats.queueMs) this.queueSeconds.observe(ms / 1000);
    if (stats.error) this.batchFailures.inc();
  }
}
