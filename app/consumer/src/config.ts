/**
 * The consumer's configuration, from environment variables (`MESHRAG_CONSUMER_*`), validated
 * by one schema at boot: a bad value stops the process with every problem listed before it
 * joins the consumer group.
 */
import { readFile } from 'node:fs/promises';
import { type Static, Type } from 'typebox';
import {
  LogLevelSchema,
  resolveEnvConfig,
  envName as sharedEnvName,
} from '../../common/env-config.js';
import { RecordSizeBudget } from '../../common/record-size-budget.js';
import { ConsumerConfigError } from './errors.js';

export const ConsumerConfigSchema = Type.Object(
  {
    /** Comma-separated bootstrap servers, e.g. `127.0.0.1:9092`. */
    kafkaBrokers: Type.String({ minLength: 1 }),
    /**
     * PEM files for Strimzi's mutual-TLS listener: the cluster CA, and the KafkaUser's
     * certificate and key (Strimzi writes them to the Secret named after the user). Set all
     * three or none.
     * @default - plain text (the local single-machine broker)
     */
    kafkaTlsCaFile: Type.Optional(Type.String({ minLength: 1 })),
    kafkaTlsCertFile: Type.Optional(Type.String({ minLength: 1 })),
    kafkaTlsKeyFile: Type.Optional(Type.String({ minLength: 1 })),
    /** @default 'meshrag-consumer' */
    kafkaClientId: Type.String({ minLength: 1, default: 'meshrag-consumer' }),
    /** @default 'meshrag-ingest' */
    groupId: Type.String({ minLength: 1, default: 'meshrag-ingest' }),
    /** Base URL of a TEI-compatible embedder, e.g. `http://127.0.0.1:8080`. */
    embedderUrl: Type.String({ minLength: 1 }),
    /** Base URL of the Chroma server, e.g. `http://127.0.0.1:8000`. */
    chromaUrl: Type.String({ minLength: 1 }),
    /** @default 'meshrag' */
    collection: Type.String({ minLength: 3, maxLength: 512, default: 'meshrag' }),
    /** Model directory (for the tokenizer files; the consumer never loads model.onnx). */
    modelDir: Type.String({ minLength: 1 }),
    /** @default 128 - see Chunker */
    chunkTokens: Type.Integer({ minimum: 8, maximum: 254, default: 128 }),
    /** @default 16 */
    overlapTokens: Type.Integer({ minimum: 0, maximum: 127, default: 16 }),
    /**
     * Most chunks one record may become; a record past it goes to the DLQ as `too-complex`
     * (1 MiB of prose is ~2,300 chunks; `"a,"` repeated over 800 KB would be 7,000).
     * @default 4096
     */
    maxRecordChunks: Type.Integer({ minimum: 1, default: 4096 }),
    /** Wall-clock budget for chunking one record; past it, `too-complex`. @default 30000 */
    chunkBudgetMs: Type.Integer({ minimum: 100, default: 30_000 }),
    /**
     * Largest document content in UTF-8 bytes; at most `RecordSizeBudget.maxContentBytes`,
     * which the topics' `max.message.bytes` are sized for (a larger one could never arrive).
     * @default 1048576 (1 MiB, the budget)
     */
    maxContentBytes: Type.Integer({
      minimum: 1,
      maximum: RecordSizeBudget.maxContentBytes,
      default: RecordSizeBudget.maxContentBytes,
    }),
    /** Chunks sent to the embedder per HTTP request. @default 32 (one embedder model run) */
    embedRequestChunks: Type.Integer({ minimum: 1, maximum: 1024, default: 32 }),
    /**
     * Embed requests in flight per partition. With 3 partitions, 6 requests of 32 keep a
     * CPU embedder busy without queueing seconds of work behind each other. @default 2
     */
    embedConcurrency: Type.Integer({ minimum: 1, maximum: 64, default: 2 }),
    /** Chunks gathered across records before they are embedded and written. @default 128 */
    maxGroupChunks: Type.Integer({ minimum: 1, default: 128 }),
    /** @default 30000 */
    embedTimeoutMs: Type.Integer({ minimum: 100, default: 30_000 }),
    /** Largest upsert sent to Chroma; also capped by the server's max batch size. @default 1000 */
    upsertBatchSize: Type.Integer({ minimum: 1, default: 1_000 }),
    /** Attempts per record before it goes to the DLQ. @default 3 */
    maxAttempts: Type.Integer({ minimum: 1, maximum: 20, default: 3 }),
    /** Partitions processed at once (kafkajs partitionsConsumedConcurrently). @default 3 */
    partitionsConsumedConcurrently: Type.Integer({ minimum: 1, maximum: 64, default: 3 }),
    /**
     * Kafka group session timeout: how long a dead consumer keeps its partitions before the
     * group gives them to others. @default 30000 (kafkajs default)
     */
    sessionTimeoutMs: Type.Integer({ minimum: 6_000, maximum: 300_000, default: 30_000 }),
    /** How long a partition stays paused after the embedder said 429/503. @default 1000 */
    backpressurePauseMs: Type.Integer({ minimum: 10, default: 1_000 }),
    /** Port of /health and /metrics. @default 9464 - 0 picks a free port */
    httpPort: Type.Integer({ minimum: 0, maximum: 65_535, default: 9464 }),
    /** @default '127.0.0.1' - the container image sets 0.0.0.0 */
    httpHost: Type.String({ minLength: 1, default: '127.0.0.1' }),
    /** @default 'info' */
    logLevel: LogLevelSchema,
  },
  { additionalProperties: false },
);

export type ConsumerConfig = Static<typeof ConsumerConfigSchema>;

const TLS_KEYS = ['kafkaTlsCaFile', 'kafkaTlsCertFile', 'kafkaTlsKeyFile'] as const;

/** Environment variable that sets each option, e.g. `MESHRAG_CONSUMER_KAFKA_BROKERS`. */
export function envName(key: keyof ConsumerConfig): string {
  return sharedEnvName('MESHRAG_CONSUMER', key);
}

/**
 * Resolves and validates the configuration.
 * @throws ConsumerConfigError listing each invalid or missing variable
 */
export function loadConsumerConfig(
  env: NodeJS.ProcessEnv = {},
  overrides: Partial<ConsumerConfig> = {},
): ConsumerConfig {
  const result = resolveEnvConfig(ConsumerConfigSchema, {
    envPrefix: 'MESHRAG_CONSUMER',
    env,
    overrides,
  });
  if (!result.ok) {
    throw configError(
      result.problems.map(
        ({ key, given, message }) =>
          `${envName(key)}: ${given === undefined ? 'is required' : `got ${JSON.stringify(given)}: ${message}`}`,
      ),
    );
  }
  const config = result.value;
  if (new Set(TLS_KEYS.map((key) => config[key] === undefined)).size > 1) {
    throw configError([
      `${TLS_KEYS.map(envName).join(', ')}: set all three for mutual TLS, or none for plain text`,
    ]);
  }
  if (config.overlapTokens * 2 > config.chunkTokens) {
    throw configError([
      `${envName('overlapTokens')}: ${config.overlapTokens} is more than half of ${envName('chunkTokens')} (${config.chunkTokens})`,
    ]);
  }
  return config;
}

function configError(problems: readonly string[]): ConsumerConfigError {
  return new ConsumerConfigError(`invalid consumer configuration:\n  ${problems.join('\n  ')}`);
}

/** Splits `MESHRAG_CONSUMER_KAFKA_BROKERS` into `host:port` entries. */
export function brokerList(config: Pick<ConsumerConfig, 'kafkaBrokers'>): string[] {
  return config.kafkaBrokers
    .split(',')
    .map((broker) => broker.trim())
    .filter((broker) => broker !== '');
}

/** Reads the mutual-TLS PEM files named by the configuration; undefined for plain text. */
export async function kafkaTls(
  config: Pick<ConsumerConfig, (typeof TLS_KEYS)[number]>,
): Promise<{ ca: string; cert: string; key: string } | undefined> {
  const { kafkaTlsCaFile: ca, kafkaTlsCertFile: cert, kafkaTlsKeyFile: key } = config;
  if (ca === undefined || cert === undefined || key === undefined) return undefined;
  const [caPem, certPem, keyPem] = await Promise.all(
    [ca, cert, key].map((path) => readFile(path, 'utf8')),
  );
  return { ca: caPem as string, cert: certPem as string, key: keyPem as string };
}
