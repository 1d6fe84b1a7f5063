import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { useKafkaAdmin } from '../../helpers/use-kafka-admin.js';

// kafkajs warns once about its v2 default partitioner; the default (murmur2, as Java) is what we want.
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';

describe('local Kafka broker', () => {
  const { kafka, admin } = useKafkaAdmin(inject('kafkaBrokers'), 'meshrag-it-kafka');

  it('is a 4.x KRaft cluster of one broker with a controller', async () => {
    const cluster = await admin.describeCluster();
    expect(cluster.brokers).toHaveLength(1);
    expect(cluster.controller).toBe(cluster.brokers[0]?.nodeId);
  });

  it('carries 1,000 keyed records and keeps each key in order on one partition', async () => {
    const topic = `it.ordering.${randomUUID()}`;
    const partitions = 6;
    const keys = 25;
    const perKey = 40; // 25 keys × 40 = 1,000 records
    await admin.createTopics({
      topics: [{ topic, numPartitions: partitions }],
      waitForLeaders: true,
    });

    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    // Interleave keys so each batch mixes partitions, as real traffic would.
    for (let seq = 0; seq < perKey; seq += 10) {
      const messages = [];
      for (let s = seq; s < seq + 10; s++) {
        for (let k = 0; k < keys; k++) {
          messages.push({ key: `doc-${k}`, value: JSON.stringify({ key: `doc-${k}`, seq: s }) });
        }
      }
      await producer.send({ topic, messages, acks: -1 });
    }
    await producer.disconnect();

    const seen = new Map<string, { seqs: number[]; partitions: Set<number> }>();
    let total = 0;
    const consumer = kafka.consumer({ groupId: `it-${randomUUID()}` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const done = new Promise<void>((resolvePromise) => {
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          const { key, seq } = JSON.parse(message.value?.toString() ?? '{}') as {
            key: string;
            seq: number;
          };
          expect(message.key?.toString()).toBe(key);
          const entry = seen.get(key) ?? { seqs: [], partitions: new Set<number>() };
          entry.seqs.push(seq);
          entry.partitions.add(partition);
          seen.set(key, entry);
          total++;
          if (total === keys * perKey) resolvePromise();
        },
      });
    });
    await done;
    await consumer.disconnect();

    expect(total).toBe(1_000);
    expect(seen.size).toBe(keys);
    const usedPartitions = new Set<number>();
    for (const [, { seqs, partitions: keyPartitions }] of seen) {
      expect(keyPartitions.size).toBe(1);
      for (const p of keyPartitions) usedPartitions.add(p);
      expect(seqs).toEqual(Array.from({ length: perKey }, (_, i) => i));
    }
    // The keys really were spread, so ordering was tested across partitions.
    expect(usedPartitions.size).toBeGreaterThan(1);
    await admin.deleteTopics({ topics: [topic] });
  });
});
