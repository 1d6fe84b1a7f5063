/** `--brokers 3`: three combined broker+controller nodes form one quorum and replicate. */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createKafka } from '../../../app/common/kafka.js';
import { findFreePorts } from '../../../local/free-port.js';
import { startLocalServices, stopLocalServices } from '../../../local/local-services.js';
import { memoryReporter } from '../../../local/reporter.js';
import { processLiveness } from '../../../local/supervisor/process-control.js';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';

describe('a 3-node local Kafka cluster', () => {
  let runDir = '';
  afterAll(async () => {
    if (runDir === '') return;
    await stopLocalServices({ runDir, reporter: memoryReporter() });
    await rm(runDir, { recursive: true, force: true });
  });

  it('starts 3 voters on distinct ports and replicates a topic to all of them', async () => {
    runDir = await mkdtemp(join(tmpdir(), 'meshrag-kafka3-'));
    const [kafka = 0, kafkaController = 0, chroma = 0] = await findFreePorts(3, 3);
    const services = await startLocalServices({
      cacheDir: inject('cacheDir'),
      runDir,
      brokers: 3,
      ports: { kafka, kafkaController, chroma },
      reporter: memoryReporter(),
    });
    expect(services.kafkaBrokers).toEqual([0, 1, 2].map((i) => `127.0.0.1:${kafka + i}`));
    expect(services.outcome.started.map((s) => s.name)).toEqual([
      'kafka-0',
      'kafka-1',
      'kafka-2',
      'chroma',
    ]);

    const client = createKafka({
      brokers: [...services.kafkaBrokers],
      clientId: 'meshrag-it-kafka3',
    });
    const admin = client.admin();
    await admin.connect();
    try {
      const cluster = await admin.describeCluster();
      expect(cluster.brokers.map((b) => [b.nodeId, b.port]).sort()).toEqual([
        [0, kafka],
        [1, kafka + 1],
        [2, kafka + 2],
      ]);
      const topic = `it.replicated.${randomUUID()}`;
      await admin.createTopics({
        topics: [
          {
            topic,
            numPartitions: 3,
            replicationFactor: 3,
            configEntries: [{ name: 'min.insync.replicas', value: '2' }],
          },
        ],
        waitForLeaders: true,
      });
      // A new topic reaches each broker's metadata cache a moment after the controller commits it.
      await expect
        .poll(
          async () => {
            const metadata = await admin
              .fetchTopicMetadata({ topics: [topic] })
              .catch(() => undefined);
            return metadata?.topics[0]?.partitions.map((p) => [...p.replicas].sort());
          },
          { timeout: 20_000, interval: 250 },
        )
        .toEqual([
          [0, 1, 2],
          [0, 1, 2],
          [0, 1, 2],
        ]);
      const producer = client.producer({ idempotent: true });
      await producer.connect();
      const [ack] = await producer.send({
        topic,
        acks: -1,
        messages: [{ key: 'doc-1', value: 'hello' }],
      });
      await producer.disconnect();
      expect(ack?.errorCode).toBe(0);
    } finally {
      await admin.disconnect();
    }

    await stopLocalServices({ runDir, reporter: memoryReporter() });
    for (const record of services.outcome.started) {
      expect(processLiveness(record.pid, record.argv), record.name).toBe('gone');
    }
  });
});
