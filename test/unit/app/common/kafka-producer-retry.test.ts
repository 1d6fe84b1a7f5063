import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  javaCompatiblePartitioner,
  type Producer,
  retryingWholeSends,
} from '../../../../app/common/kafka.js';

/**
 * kafkajs' real producer (its `sendMessages`, retrier, partitioner and response handling) on a
 * scripted two-broker cluster: the only stand-in is the network. Broker 1 leads partition 0 and
 * dies; the metadata refresh that follows names broker 2, which leads partition 1 and answers
 * every request, as the new leader of partition 0. This is the broker-loss scenario of
 * `test/reliability/broker-loss.long.test.ts` made deterministic.
 */
const kafkajsInternals = createRequire(import.meta.url);
const createKafkajsProducer = kafkajsInternals('kafkajs/src/producer/index.js');
const { createLogger, LEVELS } = kafkajsInternals('kafkajs/src/loggers/index.js');
const { KafkaJSConnectionError, KafkaJSProtocolError } = kafkajsInternals('kafkajs/src/errors.js');

const TOPIC = 'documents.parsed';

interface ProduceRequest {
  topicData: { topic: string; partitions: { partition: number; messages: unknown[] }[] }[];
}

function scriptedCluster(options: { brokerOneError?: () => Error } = {}) {
  const written: { nodeId: number; partition: number; count: number }[] = [];
  const leaderOf = new Map([
    [0, 1],
    [1, 2],
  ]);
  let brokerOneAlive = true;
  const broker = (nodeId: number) => ({
    nodeId,
    produce: async ({ topicData }: ProduceRequest) => {
      if (nodeId === 1) {
        const error = options.brokerOneError?.();
        // a dead broker: the next metadata names broker 2 as the leader of partition 0
        if (!error) brokerOneAlive = false;
        throw error ?? new KafkaJSConnectionError('Connection error: ECONNREFUSED');
      }
      for (const { partitions } of topicData) {
        for (const { partition, messages } of partitions) {
          written.push({ nodeId, partition, count: messages.length });
        }
      }
      return {
        topics: topicData.map(({ topic, partitions }) => ({
          topicName: topic,
          partitions: partitions.map(({ partition }) => ({
            partition,
            errorCode: 0,
            baseOffset: '0',
          })),
        })),
      };
    },
  });
  const brokers = new Map([
    [1, broker(1)],
    [2, broker(2)],
  ]);
  const cluster = {
    connect: async () => {},
    disconnect: async () => {},
    isConnected: () => true,
    refreshMetadata: async () => {
      if (!brokerOneAlive) leaderOf.set(0, 2);
    },
    refreshMetadataIfNecessary: async () => {},
    addMultipleTargetTopics: async () => {},
    removeBroker: () => {},
    findTopicPartitionMetadata: () =>
      [...leaderOf].map(([partitionId, leader]) => ({ partitionId, leader })),
    findLeaderForPartitions: (_topic: string, partitions: string[]) => {
      const byLeader: Record<number, number[]> = {};
      for (const partition of partitions.map(Number)) {
        const leader = leaderOf.get(partition) ?? 0;
        byLeader[leader] = [...(byLeader[leader] ?? []), partition];
      }
      return byLeader;
    },
    findBroker: async ({ nodeId }: { nodeId: number }) => brokers.get(Number(nodeId)),
  };
  const create = (config: { retry?: object; idempotent?: boolean } = {}): Producer =>
    createKafkajsProducer({
      cluster,
      logger: createLogger({ level: LEVELS.NOTHING, logCreator: () => () => {} }),
      createPartitioner: javaCompatiblePartitioner,
      retry: config.retry,
      idempotent: config.idempotent,
    });
  return { create, written };
}

/** One record on each partition, acks=all. */
async function sendToBothPartitions(producer: Producer) {
  await producer.connect();
  return producer.send({
    topic: TOPIC,
    acks: -1,
    messages: [
      { partition: 0, key: 'doc-on-0', value: 'a' },
      { partition: 1, key: 'doc-on-1', value: 'b' },
    ],
  });
}

const quickRetry = { retry: { initialRetryTime: 5, retries: 3 } };

describe('retryingWholeSends', () => {
  it('fails when a send resolves although a partition that moved to a broker that had already answered was never written', async () => {
    const { create, written } = scriptedCluster();
    const acknowledged = await sendToBothPartitions(retryingWholeSends(create)(quickRetry));

    expect(acknowledged.map((r) => r.partition).sort()).toEqual([0, 1]);
    // partition 0 written by its new leader; partition 1 written again (at-least-once)
    expect(written.filter((w) => w.partition === 0)).toEqual([
      { nodeId: 2, partition: 0, count: 1 },
    ]);
  });

  it('kafkajs 2.2.4 alone acknowledges the send without writing partition 0 (the upstream bug; drop the workaround when this fails)', async () => {
    const { create, written } = scriptedCluster();
    const acknowledged = await sendToBothPartitions(create(quickRetry));

    expect(acknowledged.map((r) => r.partition)).toEqual([1]);
    expect(written.map((w) => w.partition)).toEqual([1]);
  });

  it('gives up after the retry budget on an error that stays retriable, and never retries a non-retriable one', async () => {
    const attempts = (error: () => Error, retries: number) => {
      let calls = 0;
      const { create } = scriptedCluster({
        brokerOneError: () => {
          calls++;
          return error();
        },
      });
      const producer = retryingWholeSends(create)({ retry: { initialRetryTime: 1, retries } });
      return producer
        .connect()
        .then(() =>
          producer.send({ topic: TOPIC, messages: [{ partition: 0, key: 'k', value: 'v' }] }),
        )
        .then(
          () => ({ calls, rejected: undefined }),
          (rejected: Error) => ({ calls, rejected: rejected.name }),
        );
    };
    // a broker that keeps refusing to be replaced: leadership never moves in this script once
    // the error is not a connection error, so every attempt goes to broker 1 again
    const notLeader = () =>
      new KafkaJSProtocolError({
        type: 'NOT_LEADER_OR_FOLLOWER',
        code: 6,
        retriable: true,
        message: 'not leader',
      });
    const corrupt = () =>
      new KafkaJSProtocolError({
        type: 'CORRUPT_MESSAGE',
        code: 2,
        retriable: false,
        message: 'corrupt',
      });
    expect(await attempts(notLeader, 2)).toEqual({
      calls: 3,
      rejected: 'KafkaJSNumberOfRetriesExceeded',
    });
    expect((await attempts(corrupt, 5)).calls).toBe(1);
  });

  it('compresses with LZ4 unless a send says otherwise', async () => {
    const seen: unknown[] = [];
    const producer = retryingWholeSends(
      () =>
        ({
          send: async (record: { compression?: unknown }) => {
            seen.push(record.compression);
            return [];
          },
          sendBatch: async (batch: { compression?: unknown }) => {
            seen.push(batch.compression);
            return [];
          },
        }) as unknown as Producer,
    )();
    await producer.send({ topic: TOPIC, messages: [] });
    await producer.sendBatch({ topicMessages: [], compression: 0 });
    expect(seen).toEqual([3, 0]);
  });
});
