/**
 * The consumer's Prometheus metrics, on a registry of its own so tests can create several.
 * Names follow `meshrag_consumer_*` with `_total` counters and `_seconds` histograms.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export type RecordOutcome = 'indexed' | 'unchanged' | 'superseded' | 'invalid' | 'dead_lettered';

export class ConsumerMetrics {
  readonly registry = new Registry();
  readonly records = new Counter({
    name: 'meshrag_consumer_records_total',
    help: 'Records consumed from documents.parsed, by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly chunks = new Counter({
    name: 'meshrag_consumer_chunks_embedded_total',
    help: 'Chunks embedded and written to Chroma',
    registers: [this.registry],
  });
  readonly deadLetters = new Counter({
    name: 'meshrag_consumer_dlq_total',
    help: 'Records sent to documents.dlq, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly backpressurePauses = new Counter({
    name: 'meshrag_consumer_backpressure_pauses_total',
    help: 'Times a partition was paused because a dependency asked to slow down or was down',
    labelNames: ['dependency'] as const,
    registers: [this.registry],
  });
  readonly lag = new Gauge({
    name: 'meshrag_consumer_lag',
    help: 'Records behind the high watermark, per partition, after the last committed batch',
    labelNames: ['topic', 'partition'] as const,
    registers: [this.registry],
  });
  readonly groupChunks = new Histogram({
    name: 'meshrag_consumer_batch_chunks',
    help: 'Chunks embedded together in one group (across records of a batch)',
    buckets: [1, 4, 16, 32, 64, 128, 256, 512, 1024],
    registers: [this.registry],
  });
  readonly batchRecords = new Histogram({
    name: 'meshrag_consumer_batch_records',
    help: 'Records in one kafkajs batch',
    buckets: [1, 5, 10, 50, 100, 250, 500, 1000, 5000],
    registers: [this.registry],
  });
  readonly embedSeconds = new Histogram({
    name: 'meshrag_consumer_embed_seconds',
    help: 'Latency of one embed request to the embedder',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly upsertSeconds = new Histogram({
    name: 'meshrag_consumer_upsert_seconds',
    help: 'Latency of writing one group to Chroma (upserts and stale deletes)',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  /** Adds process metrics (RSS, event loop lag, GC) to the registry. */
  collectProcessMetrics(): this {
    collectDefaultMetrics({ register: this.registry, prefix: 'meshrag_consumer_' });
    return this;
  }
}
