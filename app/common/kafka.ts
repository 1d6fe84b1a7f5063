/**
 * The one place meshrag talks to a Kafka client library. kafkajs is in maintenance mode, so
 * everything else imports these factories and types, never `kafkajs` directly: swapping the
 * client means rewriting this module only.
 */
import { createRequire } from 'node:module';
import kafkajs, {
  type Admin,
  Kafka,
  type KafkaConfig,
  logLevel,
  Partitioners,
  type Producer,
  type ProducerBatch,
  type ProducerConfig,
  type ProducerRecord,
  type RetryOptions,
} from 'kafkajs';
import { lz4Codec } from './lz4-codec.js';
import { lifecycleTopicSizeConfig } from './record-size-budget.js';
import { type LifecycleTopicRole, LifecycleTopics } from './topics.js';

export type { Admin, Consumer, EachBatchPayload, IHeaders, Kafka, Producer } from 'kafkajs';

// Node's ESM loader cannot see these as named exports of kafkajs' CommonJS index (its export
// object is not statically analysable past `logLevel`), so they come from the default import.
const { CompressionCodecs, CompressionTypes, ConfigResourceTypes, ConfigSource } = kafkajs;

// kafkajs ships GZIP only; registering LZ4 once here lets every producer compress with it and
// every consumer read it (including LZ4 batches written by Java clients).
CompressionCodecs[CompressionTypes.LZ4] = () => lz4Codec;

/**
 * The compression of every record meshrag produces: LZ4 is fast enough to be free next to
 * embedding, and a large document then crosses the network and the log at a fraction of its
 * size. Size limits never count on it (see `RecordSizeBudget`).
 */
export const recordCompression = CompressionTypes.LZ4;

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
  const kafka = new Kafka(config);
  // Compression is a per-send option in kafkajs; defaulting it on the factory means no producer
  // anywhere (CLI, consumer lifecycle and DLQ, probes, tests) can forget it. The same goes for
  // retrying whole sends (`retryingWholeSends`): every producer gets it.
  kafka.producer = retryingWholeSends(kafka.producer.bind(kafka));
  return kafka;
}

type ProducerFactory = (config?: ProducerConfig) => Producer;

/** kafkajs' producer retry defaults (`kafkajs/src/retry/defaults.js`), for the same budget. */
const kafkajsRetryDefaults = {
  retries: 5,
  initialRetryTime: 300,
  maxRetryTime: 30_000,
  multiplier: 2,
  factor: 0.2,
} as const;

/**
 * Wraps a kafkajs producer factory so that a send is retried whole, never in part, and
 * compresses with `recordCompression` by default.
 *
 * Why: kafkajs 2.2.4 retries a failed send inside `sendMessages`, keeping across attempts the
 * responses of the brokers that already answered, keyed by broker. When a broker dies during a
 * send, the retry refreshes metadata and regroups the partitions by their new leaders; a
 * partition that moved to a broker which had already answered (for its own partitions) is
 * never sent, yet the send resolves. An acks=all send then reports records the cluster never
 * got (seen as one lost record per broker kill in `test/reliability/broker-loss.long.test.ts`;
 * kafkajs issue #1303 is the same symptom, open upstream). So kafkajs gets no retries of its
 * own here, and a send that failed with a retriable error is sent again from scratch with the
 * same retry budget and backoff: each attempt groups every partition afresh. Records written
 * by a broker that answered before another failed are written again (at-least-once, which
 * every consumer of these topics already tolerates).
 *
 * Idempotent producers keep kafkajs' own retries (it refuses one without); meshrag uses them
 * only in health probes and tests.
 */
export function retryingWholeSends(create: ProducerFactory): ProducerFactory {
  return (producerConfig = {}) => {
    if (producerConfig.idempotent) return compressing(create(producerConfig));
    const retry = { ...kafkajsRetryDefaults, ...producerConfig.retry };
    const producer = create({ ...producerConfig, retry: { ...retry, retries: 0 } });
    const { send, sendBatch } = producer;
    return Object.assign(producer, {
      send: (record: ProducerRecord) =>
        wholeRetries(() => send({ compression: recordCompression, ...record }), retry),
      sendBatch: (batch: ProducerBatch) =>
        wholeRetries(() => sendBatch({ compression: recordCompression, ...batch }), retry),
    });
  };
}

/**
 * Runs one kafkajs send per attempt. kafkajs, given no retries, rejects an attempt that failed
 * retriably with `KafkaJSNumberOfRetriesExceeded` (after refreshing its metadata) and anything
 * else with the error itself or `KafkaJSNonRetriableError`: only the first is attempted again.
 */
async function wholeRetries<T>(
  attempt: () => Promise<T>,
  retry: Required<Pick<RetryOptions, keyof typeof kafkajsRetryDefaults>>,
): Promise<T> {
  let delayMs = retry.initialRetryTime;
  for (let attempts = 1; ; attempts++) {
    try {
      return await attempt();
    } catch (error) {
      const retriable = (error as Error | undefined)?.name === 'KafkaJSNumberOfRetriesExceeded';
      if (!retriable || attempts > retry.retries) throw error;
      const jitter = 1 + retry.factor * (2 * Math.random() - 1);
      await new Promise((resolve) => setTimeout(resolve, Math.ceil(delayMs * jitter)));
      delayMs = Math.min(delayMs * retry.multiplier, retry.maxRetryTime);
    }
  }
}

/** The same producer, with `recordCompression` as the default of `send` and `sendBatch`. */
function compressing(producer: Producer): Producer {
  const { send, sendBatch } = producer;
  return Object.assign(producer, {
    send: (record: ProducerRecord) => send({ compression: recordCompression, ...record }),
    sendBatch: (batch: ProducerBatch) => sendBatch({ compression: recordCompression, ...batch }),
  });
}

export interface EnsureTopicsOptions {
  /** @default 3 */
  readonly numPartitions?: number;
  /** @default 1 - the local single broker */
  readonly replicationFactor?: number;
  /**
   * Topic configuration to create with, and to correct on topics that already exist.
   * @default - a lifecycle topic's size configuration (`lifecycleTopicSizeConfig`); none for others
   */
  readonly topicConfig?: (topic: string) => Readonly<Record<string, string | number>>;
}

const roleByTopic = new Map<string, LifecycleTopicRole>(
  Object.entries(LifecycleTopics).map(([role, topic]) => [topic, role as LifecycleTopicRole]),
);

function defaultTopicConfig(topic: string): Readonly<Record<string, string | number>> {
  const role = roleByTopic.get(topic);
  return role ? lifecycleTopicSizeConfig(role) : {};
}

/**
 * Creates the topics that do not exist yet, and brings the configuration of those that do up
 * to `topicConfig` (a topic made by an older version keeps its data and gets the new limits).
 * For the local runtime and tests; in a cluster the topics are Strimzi `KafkaTopic` resources.
 * @returns the names it created
 */
export async function ensureTopics(
  admin: Admin,
  topics: readonly string[],
  options: EnsureTopicsOptions = {},
): Promise<string[]> {
  const configOf = options.topicConfig ?? defaultTopicConfig;
  const entries = (topic: string) =>
    Object.entries(configOf(topic)).map(([name, value]) => ({ name, value: String(value) }));
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((topic) => !existing.has(topic));
  if (missing.length > 0) {
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((topic) => ({
        topic,
        numPartitions: options.numPartitions ?? 3,
        replicationFactor: options.replicationFactor ?? 1,
        configEntries: entries(topic),
      })),
    });
  }
  const present = topics.filter((topic) => existing.has(topic) && entries(topic).length > 0);
  if (present.length > 0) await reconcileTopicConfig(admin, present, entries);
  return missing;
}

/**
 * The configuration set on each topic itself (not inherited from the broker), by topic name.
 */
export async function topicConfigs(
  admin: Admin,
  topics: readonly string[],
): Promise<Map<string, Map<string, string>>> {
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: topics.map((name) => ({ type: ConfigResourceTypes.TOPIC, name })),
  });
  return new Map(
    described.resources.map((resource) => [
      resource.resourceName,
      new Map(
        resource.configEntries
          .filter((entry) => entry.configSource === ConfigSource.TOPIC_CONFIG)
          .map((entry) => [entry.configName, entry.configValue]),
      ),
    ]),
  );
}

/**
 * Sets the wanted entries on existing topics where they differ. AlterConfigs (all kafkajs
 * offers) replaces a topic's whole dynamic configuration, so the entries set on the topic
 * before are sent along and kept.
 */
async function reconcileTopicConfig(
  admin: Admin,
  topics: readonly string[],
  entries: (topic: string) => { name: string; value: string }[],
): Promise<void> {
  const changes = [...(await topicConfigs(admin, topics))].flatMap(([name, current]) => {
    const wanted = entries(name);
    if (wanted.every((entry) => current.get(entry.name) === entry.value)) return [];
    for (const entry of wanted) current.set(entry.name, entry.value);
    return [
      {
        type: ConfigResourceTypes.TOPIC,
        name,
        configEntries: [...current].map(([key, value]) => ({ name: key, value })),
      },
    ];
  });
  if (changes.length > 0) await admin.alterConfigs({ validateOnly: false, resources: changes });
}

const kafkajsInternals = createRequire(import.meta.url);

/**
 * The size of the record batch kafkajs writes for `messages` on one partition: the number the
 * broker compares with `max.message.bytes` (after compression, when compressed). Reads kafkajs'
 * own encoder, so the size budget is checked against real bytes, not an estimate.
 */
export async function recordBatchBytes(
  messages: readonly {
    key: string | Buffer | null;
    value: string | Buffer | null;
    headers?: Record<string, string>;
  }[],
  options: { readonly compressed: boolean },
): Promise<number> {
  const Record = kafkajsInternals('kafkajs/src/protocol/recordBatch/record/v0/index.js');
  const { RecordBatch } = kafkajsInternals('kafkajs/src/protocol/recordBatch/v0/index.js');
  const now = Date.now();
  const batch = await RecordBatch({
    compression: options.compressed ? recordCompression : CompressionTypes.None,
    records: messages.map((message, offsetDelta) =>
      Record({ ...message, offsetDelta, timestampDelta: 0 }),
    ),
    firstTimestamp: now,
    maxTimestamp: now,
    lastOffsetDelta: messages.length - 1,
  });
  return batch.size();
}
