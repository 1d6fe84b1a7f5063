/**
 * The Kafka side of ingestion: a kafkajs consumer group on `documents.parsed` that hands each
 * partition batch to the `DocumentPipeline` and commits offsets itself, explicitly, only after
 * a group's vectors are written and its events produced.
 *
 * kafkajs settings and why (see FIELD-NOTES "eachBatch traps"):
 * - `autoCommit: false` and `commitOffsets(...)` with explicit offsets after each group:
 *   `commitOffsetsIfNecessary` commits nothing without an interval/threshold (kafkajs#1729);
 * - `eachBatchAutoResolve: false`: offsets are resolved as groups finish, so records not yet
 *   processed (stop, backpressure) are fetched again instead of being skipped;
 * - committing right after resolving leaves nothing resolved-but-uncommitted to lose on a
 *   rebalance (kafkajs#28);
 * - `partitionsConsumedConcurrently` > 1: partitions run side by side, each in order.
 */
import type { Logger } from 'pino';
import {
  type Consumer,
  type EachBatchPayload,
  javaCompatiblePartitioner,
  type Kafka,
  type Producer,
} from '../../../common/kafka.js';
import { RecordSizeBudget, splitBySize } from '../../../common/record-size-budget.js';
import { LifecycleTopics } from '../../../common/topics.js';
import type { ConsumerMetrics } from '../consumer-metrics.js';
import { DependencyUnavailableError, EmbedderBusyError, membershipLostCause } from '../errors.js';
import { backoffDelayMs } from '../retry.js';
import type { DocumentPipeline, IMessageSink } from './document-pipeline.js';
import type { InputRecord, OutgoingMessage } from './lifecycle-messages.js';
import { pauseUntilRecovered } from './pause-until-recovered.js';

export interface IngestConsumerOptions {
  readonly kafka: Kafka;
  readonly pipeline: (sink: IMessageSink) => DocumentPipeline;
  readonly logger: Logger;
  readonly metrics?: ConsumerMetrics;
  /** @default 'meshrag-ingest' */
  readonly groupId?: string;
  /** @default 3 */
  readonly partitionsConsumedConcurrently?: number;
  /** @default 30_000 */
  readonly sessionTimeoutMs?: number;
  /**
   * Pause after backpressure when the dependency gave no Retry-After; doubles (with jitter)
   * while it persists, up to 30 s.
   * @default 1000
   */
  readonly backpressurePauseMs?: number;
  /**
   * Cheap health checks of the dependencies (the embedder's `GET /health`, Chroma's heartbeat).
   * While a partition is paused because one is unreachable, its check runs every
   * `dependencyProbeIntervalMs` and the partition resumes as soon as it answers, instead of at
   * the end of a backoff that has grown to tens of seconds during a long outage. The backoff
   * stays the upper bound. Not used for a busy embedder (429/503): it is up, so its health
   * answers at once; its Retry-After or the backoff paces those.
   * @default - none: a paused partition resumes after its backoff
   */
  readonly dependencyProbes?: Partial<
    Record<DependencyUnavailableError['dependency'], () => Promise<boolean>>
  >;
  /**
   * How often a paused partition probes its unreachable dependency: one small request per
   * interval per paused partition, and the most a recovery waits after the dependency is back.
   * @default 1000
   */
  readonly dependencyProbeIntervalMs?: number;
  /**
   * Called when kafkajs gives up and will not restart the consumer (e.g. the group forgot this
   * member); the process should exit so its supervisor starts a fresh one.
   * @default - only logged; /health turns 503
   */
  readonly onFatal?: (error: Error) => void;
  /**
   * Start from the earliest offset when the group has no committed offset.
   * @default true
   */
  readonly fromBeginning?: boolean;
}

export type ConsumerState = 'starting' | 'running' | 'stopping' | 'stopped' | 'crashed';

export class IngestConsumer {
  private readonly consumer: Consumer;
  private readonly producer: Producer;
  private readonly pipeline: DocumentPipeline;
  private readonly logger: Logger;
  /** Cancels of the pauses in progress, for stop(); a finished pause's cancel does nothing. */
  private readonly pauseCancels = new Set<() => void>();
  private readonly pausesInARow = new Map<number, number>();
  private stateValue: ConsumerState = 'starting';
  private joined = false;

  constructor(private readonly options: IngestConsumerOptions) {
    this.logger = options.logger;
    this.consumer = options.kafka.consumer({
      groupId: options.groupId ?? 'meshrag-ingest',
      // Room for the largest record the topics accept, a couple of times over; a fetch should
      // not pull much more than that, since a group holds its records in memory.
      maxBytesPerPartition: RecordSizeBudget.fetchMaxBytesPerPartition,
      maxBytes: RecordSizeBudget.fetchMaxBytes,
      // A fetch long-polls at most this long: stopping waits for it, so keep it short.
      maxWaitTimeInMs: 1_000,
      sessionTimeout: options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: Math.min(3_000, Math.floor((options.sessionTimeoutMs ?? 30_000) / 3)),
      retry: { retries: 10 },
    });
    this.producer = options.kafka.producer({
      allowAutoTopicCreation: false,
      createPartitioner: javaCompatiblePartitioner,
    });
    this.pipeline = options.pipeline({ send: (messages) => this.produce(messages) });
    const { GROUP_JOIN, CRASH } = this.consumer.events;
    this.consumer.on(GROUP_JOIN, (event) => {
      this.joined = true;
      this.logger.info(
        { memberId: event.payload.memberId, assignment: event.payload.memberAssignment },
        'joined consumer group',
      );
    });
    this.consumer.on(CRASH, (event) => {
      this.logger.error(
        { err: event.payload.error, restart: event.payload.restart },
        'consumer crashed',
      );
      if (!event.payload.restart && this.stateValue === 'running') {
        this.stateValue = 'crashed';
        this.options.onFatal?.(event.payload.error);
      }
    });
  }

  get state(): ConsumerState {
    return this.stateValue;
  }

  /**
   * Not given up (what /livez reports): true while starting, running, between group
   * generations and while a dependency is down; false once kafkajs has crashed for good.
   */
  get live(): boolean {
    return this.stateValue !== 'crashed';
  }

  /** Running and a member of the group (what /readyz and /health report). */
  get healthy(): boolean {
    return this.stateValue === 'running' && this.joined;
  }

  async start(): Promise<void> {
    await this.producer.connect();
    await this.consumer.connect();
    await this.consumer.subscribe({
      topic: LifecycleTopics.parsed,
      fromBeginning: this.options.fromBeginning ?? true,
    });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 3,
      eachBatch: (payload) => this.eachBatch(payload),
    });
    this.stateValue = 'running';
  }

  /** Finishes the group in flight, commits it, leaves the group and disconnects. */
  async stop(): Promise<void> {
    if (this.stateValue === 'stopped') return;
    this.stateValue = 'stopping';
    for (const cancel of this.pauseCancels) cancel();
    this.pauseCancels.clear();
    // kafkajs' disconnect stops the runner, which waits for the batches being processed.
    await this.consumer.disconnect();
    await this.producer.disconnect();
    this.stateValue = 'stopped';
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const { topic, partition } = batch;
    const records: InputRecord[] = batch.messages.map((message) => ({
      topic,
      partition,
      offset: message.offset,
      key: message.key ?? null,
      value: message.value ?? null,
      timestamp: message.timestamp,
    }));
    this.options.metrics?.batchRecords.observe(records.length);
    const result = await this.pipeline.processBatch(records, {
      commit: async (offset) => {
        const next = (BigInt(offset) + 1n).toString();
        payload.resolveOffset(offset);
        try {
          await this.consumer.commitOffsets([{ topic, partition, offset: next }]);
        } catch (error) {
          // unwrapped, so kafkajs rejoins the group instead of crashing (membershipLostCause)
          throw membershipLostCause(error) ?? error;
        }
        const lag = BigInt(batch.highWatermark) - BigInt(next);
        this.options.metrics?.lag.set(
          { topic, partition: String(partition) },
          Number(lag > 0n ? lag : 0n),
        );
      },
      heartbeat: () => payload.heartbeat(),
      isRunning: () => this.stateValue === 'running' && payload.isRunning() && !payload.isStale(),
    });
    if (!result.backpressure) {
      this.pausesInARow.delete(partition);
      return;
    }
    const error = result.backpressure;
    const inARow = (this.pausesInARow.get(partition) ?? 0) + 1;
    this.pausesInARow.set(partition, inARow);
    const delayMs =
      error.retryAfterMs ??
      backoffDelayMs(inARow, {
        initialDelayMs: this.options.backpressurePauseMs ?? 1_000,
        maxDelayMs: 30_000,
      });
    const dependency = error instanceof DependencyUnavailableError ? error.dependency : 'embedder';
    this.options.metrics?.backpressurePauses.inc({ dependency });
    this.logger.warn(
      {
        topic,
        partition,
        offset: records[result.committed]?.offset,
        delayMs,
        status: error instanceof EmbedderBusyError ? error.status : undefined,
      },
      `pausing partition: ${error.message}`,
    );
    const probe =
      error instanceof DependencyUnavailableError && error.retryAfterMs === undefined
        ? this.options.dependencyProbes?.[error.dependency]
        : undefined;
    const resume = payload.pause();
    const cancel = pauseUntilRecovered({
      resume: () => {
        this.pauseCancels.delete(cancel);
        resume();
      },
      delayMs,
      ...(probe ? { probe } : {}),
      probeIntervalMs: this.options.dependencyProbeIntervalMs ?? 1_000,
    });
    this.pauseCancels.add(cancel);
  }

  /**
   * Produces in requests the broker accepts: a group's dead letters can be several of the
   * largest records at once, so requests are split by `RecordSizeBudget.maxRequestBytes`.
   */
  private async produce(messages: readonly OutgoingMessage[]): Promise<void> {
    for (const request of splitBySize(messages, { maxCount: 1_000 })) {
      const byTopic = new Map<string, OutgoingMessage[]>();
      for (const message of request) {
        const list = byTopic.get(message.topic) ?? [];
        list.push(message);
        byTopic.set(message.topic, list);
      }
      await this.producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, list]) => ({
          topic,
          messages: list.map((m) => ({
            key: m.key,
            value: m.value,
            ...(m.headers ? { headers: m.headers } : {}),
          })),
        })),
      });
    }
  }
}
