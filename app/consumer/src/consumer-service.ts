/**
 * Wires the consumer from its configuration: tokenizer, embed client, Chroma collection,
 * pipeline, Kafka consumer and the health/metrics server. Kept apart from `main.ts` (signals,
 * exit codes) so tests and the benchmark start it in-process.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type Logger, pino } from 'pino';
import { createKafka } from '../../common/kafka.js';
import { Chunker } from './chunking/chunker.js';
import { brokerList, type ConsumerConfig, envName, kafkaTls } from './config.js';
import { ConsumerMetrics } from './consumer-metrics.js';
import { DocumentPipeline } from './delivery/document-pipeline.js';
import { IngestConsumer } from './delivery/ingest-consumer.js';
import { EmbedClient } from './embedding/embed-client.js';
import { ConsumerConfigError } from './errors.js';
import { HealthServer } from './health-server.js';
import { ChromaIndex } from './indexing/chroma-index.js';

export interface ConsumerServiceOptions {
  readonly config: ConsumerConfig;
  /** @default - pino to stdout at `config.logLevel` */
  readonly logger?: Logger;
  /**
   * How long to wait for Chroma to answer at boot before giving up.
   * @default 60_000
   */
  readonly dependencyWaitMs?: number;
  /** @see IngestConsumerOptions.onFatal */
  readonly onFatal?: (error: Error) => void;
}

export interface ConsumerService {
  readonly consumer: IngestConsumer;
  readonly metrics: ConsumerMetrics;
  /** Port of /health and /metrics. */
  readonly httpPort: number;
  /** Finishes the group in flight, commits, disconnects, closes the HTTP server. */
  stop(): Promise<void>;
}

export async function startConsumerService(
  options: ConsumerServiceOptions,
): Promise<ConsumerService> {
  const { config } = options;
  const logger = options.logger ?? pino({ name: 'meshrag-consumer', level: config.logLevel });
  const metrics = new ConsumerMetrics().collectProcessMetrics();
  const chunker = await Chunker.fromModelDir(config.modelDir, {
    chunkTokens: config.chunkTokens,
    overlapTokens: config.overlapTokens,
    maxChunks: config.maxRecordChunks,
    budgetMs: config.chunkBudgetMs,
  });
  const embedder = new EmbedClient({
    url: config.embedderUrl,
    timeoutMs: config.embedTimeoutMs,
    connections: config.embedConcurrency * config.partitionsConsumedConcurrently,
    retry: { maxAttempts: config.maxAttempts },
  });
  await checkEmbedderLimits(
    embedder,
    config,
    logger,
    Math.min(options.dependencyWaitMs ?? 60_000, 10_000),
  );
  const index = await waitFor(
    () =>
      ChromaIndex.open({
        url: config.chromaUrl,
        collection: config.collection,
        upsertBatchSize: config.upsertBatchSize,
      }),
    options.dependencyWaitMs ?? 60_000,
    logger,
    'chroma',
  );
  const tls = await kafkaTls(config);
  const consumer = new IngestConsumer({
    kafka: createKafka({
      brokers: brokerList(config),
      clientId: config.kafkaClientId,
      ...(tls ? { tls } : {}),
    }),
    groupId: config.groupId,
    logger,
    metrics,
    partitionsConsumedConcurrently: config.partitionsConsumedConcurrently,
    sessionTimeoutMs: config.sessionTimeoutMs,
    ...(options.onFatal ? { onFatal: options.onFatal } : {}),
    backpressurePauseMs: config.backpressurePauseMs,
    dependencyProbes: { embedder: () => embedder.healthy(), chroma: () => index.healthy() },
    pipeline: (sink) =>
      new DocumentPipeline(
        { chunker, embedder, index, sink, logger, metrics },
        {
          collection: config.collection,
          maxContentBytes: config.maxContentBytes,
          maxGroupChunks: config.maxGroupChunks,
          embedRequestChunks: config.embedRequestChunks,
          embedConcurrency: config.embedConcurrency,
          maxAttempts: config.maxAttempts,
        },
      ),
  });
  const server = new HealthServer({
    host: config.httpHost,
    port: config.httpPort,
    registry: metrics.registry,
    health: () => ({
      healthy: consumer.healthy,
      detail: { state: consumer.state, collection: config.collection, groupId: config.groupId },
    }),
    live: () => ({ healthy: consumer.live, detail: { state: consumer.state } }),
  });
  const httpPort = await server.listen();
  await consumer.start();
  logger.info(
    {
      httpPort,
      groupId: config.groupId,
      collection: config.collection,
      upsertBatchSize: index.batchSize,
    },
    'consumer started',
  );
  return {
    consumer,
    metrics,
    httpPort,
    async stop() {
      await consumer.stop();
      await embedder.close();
      await server.close();
      logger.info('consumer stopped');
    },
  };
}

/**
 * Settings that must agree across services are checked where they meet: chunks per embed
 * request above the embedder's `max_client_batch_size` would make every document a
 * non-retriable 413 and send it to the DLQ, so the consumer refuses to start instead. An
 * embedder that does not answer yet is not waited for long: the check is logged as skipped.
 * @throws ConsumerConfigError
 */
export async function checkEmbedderLimits(
  embedder: Pick<EmbedClient, 'limits'>,
  config: Pick<ConsumerConfig, 'embedRequestChunks' | 'embedderUrl'>,
  logger: Logger,
  waitMs: number,
): Promise<void> {
  const deadline = Date.now() + waitMs;
  let limits = await embedder.limits();
  while (limits === undefined && Date.now() < deadline) {
    await sleep(500);
    limits = await embedder.limits();
  }
  if (limits === undefined) {
    logger.warn(
      { embedderUrl: config.embedderUrl },
      'embedder /info did not answer; its batch limit is not checked',
    );
    return;
  }
  if (config.embedRequestChunks > limits.maxClientBatchSize) {
    throw new ConsumerConfigError(
      `invalid consumer configuration:\n  ${envName('embedRequestChunks')}: ${config.embedRequestChunks} ` +
        `chunks per request is more than the embedder at ${config.embedderUrl} accepts ` +
        `(max_client_batch_size ${limits.maxClientBatchSize}); every document would be refused with 413. ` +
        `Set it to at most ${limits.maxClientBatchSize}, or raise MESHRAG_EMBEDDER_MAX_CLIENT_BATCH_SIZE.`,
    );
  }
}

async function waitFor<T>(
  open: () => Promise<T>,
  waitMs: number,
  logger: Logger,
  what: string,
): Promise<T> {
  const deadline = Date.now() + waitMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await open();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      if (attempt === 1) logger.info({ err: error }, `waiting for ${what}`);
      await sleep(Math.min(2_000, 100 * attempt));
    }
  }
}
