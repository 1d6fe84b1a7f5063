/**
 * The one place meshrag talks to a Kafka client library. kafkajs is in maintenance mode, so
 * everything else imports these factories and types, never `kafkajs` directly: swapping the
 * client means rewriting this module only.
 */
import { type Admin, Kafka, type KafkaConfig, logLevel, Partitioners } from 'kafkajs';

export type { Admin, Consumer, EachBatchPayload, IHeaders, Kafka, Producer } from 'kafkajs';

export interface KafkaConnectionOptions {
  /** Bootstrap servers, `host:port`. */
  readonly brokers: readonly string[];
  /** Client id reported to the broker (shows in broker logs and quotas). */
  readonly clientId: string;
  /**
   * Mutual TLS material (PEM) for Strimzi's `tls` listener. Plain text when absent, which is
   * what the local single-machine broker uses.
   * @default - no TLS
   */
  readonly tls?: { readonly ca: string; readonly cert: string; readonly key: string };
  /**
   * How much kafkajs logs. Health probes use `NOTHING`: a broker still starting is not an error.
   * @default 'WARN'
   */
  readonly logLevel?: 'NOTHING' | 'ERROR' | 'WARN' | 'INFO' | 'DEBUG';
}

/**
 * The Java client's partitioner (murmur2 of the key): a keyed record lands on the partition a
 * Java or Strimzi client would pick. Passing it explicitly also silences kafkajs' v2 warning.
 */
export const javaCompatiblePartitioner = Partitioners.DefaultPartitioner;

/** Creates a Kafka client; connections are opened lazily by its producers and consumers. */
export function createKafka(options: KafkaConnectionOptions): Kafka {
  if (options.brokers.length === 0) {
    throw new Error('createKafka: no brokers given; pass at least one "host:port"');
  }
  const config: KafkaConfig = {
    brokers: [...options.brokers],
    clientId: options.clientId,
    logLevel: logLevel[options.logLevel ?? 'WARN'],
    ...(options.tls ? { ssl: { ...options.tls } } : {}),
  };
  return new Kafka(config);
}

export interface EnsureTopicsOptions {
  /** @default 3 */
  readonly numPartitions?: number;
  /** @default 1 - the local single broker */
  readonly replicationFactor?: number;
}

/**
 * Creates the topics that do not exist yet (existing ones are left as they are). For the local
 * runtime and tests; in a cluster the topics are Strimzi `KafkaTopic` resources.
 * @returns the names it created
 */
export async function ensureTopics(
  admin: Admin,
  topics: readonly string[],
  options: EnsureTopicsOptions = {},
): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((topic) => !existing.has(topic));
  if (missing.length === 0) return [];
  await admin.createTopics({
    waitForLeaders: true,
    topics: missing.map((topic) => ({
      topic,
      numPartitions: options.numPartitions ?? 3,
      replicationFactor: options.replicationFactor ?? 1,
    })),
  });
  return missing;
}
