/**
 * The size budget agrees everywhere it is applied: envelope, topics (every stack's rendered
 * KafkaTopics and the local broker), producers' request splitting, the DLQ copy, and the
 * consumer's fetch sizes. Changing one without the others fails here.
 */
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import {
  DEFAULT_MAX_CONTENT_BYTES,
  decodeEnvelope,
  encodeEnvelope,
} from '../../../../app/common/envelope.js';
import { createKafka, recordBatchBytes } from '../../../../app/common/kafka.js';
import {
  lifecycleTopicSizeConfig,
  RecordSizeBudget,
  recordSizeBytes,
  splitBySize,
} from '../../../../app/common/record-size-budget.js';
import { type LifecycleTopicRole, LifecycleTopics } from '../../../../app/common/topics.js';
import { loadConsumerConfig } from '../../../../app/consumer/src/config.js';
import { IngestConsumer } from '../../../../app/consumer/src/delivery/ingest-consumer.js';
import { deadLetter } from '../../../../app/consumer/src/delivery/lifecycle-messages.js';
import { renderStack } from '../../../../constructs/render/render-stack.js';
import { kafkaNodes, kafkaServerProperties } from '../../../../local/kafka/kafka-config.js';
import { getStack, stackNames } from '../../../../stacks/stack-registry.js';

const roles = Object.keys(LifecycleTopics) as LifecycleTopicRole[];

/** The largest envelope the schema accepts, with content that JSON escaping doubles. */
function largestEnvelope(): Record<string, unknown> {
  const metadata: Record<string, string> = {};
  for (let i = 0; i < 64; i++)
    metadata[`${String(i).padStart(3, '0')}${'k'.repeat(125)}`] = '"'.repeat(1024);
  return {
    schemaVersion: 1,
    id: '文'.repeat(256),
    content: '"\n'.repeat(RecordSizeBudget.maxContentBytes / 2),
    source: '"'.repeat(2048),
    tenant: '"'.repeat(256),
    metadata,
  };
}

describe('RecordSizeBudget', () => {
  const envelope = largestEnvelope();
  const value = encodeEnvelope(envelope);
  const largest = { key: envelope.id as string, value };

  it('is the envelope content limit, and the largest envelope encodes within the value budget', () => {
    expect(DEFAULT_MAX_CONTENT_BYTES).toBe(RecordSizeBudget.maxContentBytes);
    expect(value.byteLength).toBeGreaterThan(2 * RecordSizeBudget.maxContentBytes);
    expect(value.byteLength).toBeLessThanOrEqual(RecordSizeBudget.maxValueBytes);
    expect(Buffer.byteLength(largest.key)).toBeLessThanOrEqual(RecordSizeBudget.maxKeyBytes);
    expect(decodeEnvelope(value).content).toHaveLength(RecordSizeBudget.maxContentBytes);
  });

  it('fits the largest record in one request and in one topic batch, even uncompressed', async () => {
    expect(recordSizeBytes(largest)).toBeLessThanOrEqual(RecordSizeBudget.maxRequestBytes);
    expect(splitBySize([largest, largest])).toHaveLength(2);
    const padded = { key: largest.key, value: Buffer.alloc(RecordSizeBudget.maxValueBytes, 0x61) };
    for (const compressed of [false, true]) {
      expect(await recordBatchBytes([padded], { compressed })).toBeLessThanOrEqual(
        RecordSizeBudget.maxMessageBytes,
      );
    }
  });

  it('keeps every request producers build under the topic limit', async () => {
    // Records just small enough that several share a request: the worst case for splitting.
    const records = Array.from({ length: 12 }, (_, i) => ({
      key: `doc-${i}`,
      value: Buffer.alloc(Math.floor(RecordSizeBudget.maxValueBytes / 3) + i, 0x62),
    }));
    const requests = splitBySize(records);
    expect(requests.length).toBeGreaterThan(3);
    for (const request of requests) {
      expect(await recordBatchBytes(request, { compressed: false })).toBeLessThanOrEqual(
        RecordSizeBudget.maxMessageBytes,
      );
    }
  });

  it('fits the DLQ copy of the largest record the parsed topic accepts, headers included', async () => {
    // The parsed topic takes any value up to its limit, also from other producers.
    const accepted = Buffer.alloc(RecordSizeBudget.maxMessageBytes - 100, 0x63);
    expect(
      await recordBatchBytes([{ key: null, value: accepted }], { compressed: false }),
    ).toBeLessThanOrEqual(RecordSizeBudget.maxMessageBytes);
    const letter = deadLetter(
      {
        topic: LifecycleTopics.parsed,
        partition: 11,
        offset: '123456789012',
        key: Buffer.from(largest.key),
        value: accepted,
        timestamp: '1764000000000',
      },
      {
        errorClass: 'InvalidEnvelopeError',
        reason: 'oversized',
        message: '\u{1F4A5}'.repeat(2_000),
        attempts: 3,
      },
    );
    for (const compressed of [false, true]) {
      expect(await recordBatchBytes([letter], { compressed })).toBeLessThanOrEqual(
        RecordSizeBudget.dlqMaxMessageBytes,
      );
    }
    expect(recordSizeBytes(letter) - accepted.byteLength).toBeLessThanOrEqual(
      RecordSizeBudget.maxKeyBytes + RecordSizeBudget.maxHeaderBytes,
    );
  });

  it('sets max.message.bytes on every lifecycle topic of every stack', () => {
    for (const name of stackNames) {
      const topics = renderStack(getStack(name)).objects.filter((o) => o.kind === 'KafkaTopic');
      expect(topics, name).toHaveLength(roles.length);
      for (const role of roles) {
        const topic = topics.find((o) => o.metadata.name === LifecycleTopics[role]) as unknown as {
          spec: { config: Record<string, unknown> };
        };
        expect(topic?.spec.config['max.message.bytes'], `${name} ${role}`).toBe(
          role === 'dlq' ? RecordSizeBudget.dlqMaxMessageBytes : RecordSizeBudget.maxMessageBytes,
        );
        expect(lifecycleTopicSizeConfig(role)['max.message.bytes']).toBe(
          topic?.spec.config['max.message.bytes'],
        );
      }
    }
  });

  it("sets the local broker's default to the same limit", () => {
    const nodes = kafkaNodes({ nodes: 3, brokerBasePort: 9092, controllerBasePort: 9192 });
    const properties = kafkaServerProperties(nodes[0] as (typeof nodes)[0], nodes, '/tmp/x');
    expect(properties).toContain(`\nmessage.max.bytes=${RecordSizeBudget.maxMessageBytes}\n`);
    expect(properties).toContain(
      `\nreplica.fetch.max.bytes=${RecordSizeBudget.dlqMaxMessageBytes}\n`,
    );
  });

  it("sizes the consumer's fetches for the largest record, and its content limit to the budget", () => {
    expect(
      loadConsumerConfig(
        {},
        { kafkaBrokers: 'x:1', embedderUrl: 'http://e', chromaUrl: 'http://c', modelDir: '/m' },
      ).maxContentBytes,
    ).toBe(RecordSizeBudget.maxContentBytes);
    const kafka = createKafka({ brokers: ['127.0.0.1:1'], clientId: 'budget-test' });
    const consumer = vi.spyOn(kafka, 'consumer');
    new IngestConsumer({ kafka, logger: pino({ level: 'silent' }), pipeline: () => ({}) as never });
    const config = consumer.mock.calls[0]?.[0];
    expect(config?.maxBytesPerPartition).toBe(RecordSizeBudget.fetchMaxBytesPerPartition);
    expect(config?.maxBytes).toBe(RecordSizeBudget.fetchMaxBytes);
    expect(RecordSizeBudget.fetchMaxBytesPerPartition).toBeGreaterThanOrEqual(
      RecordSizeBudget.dlqMaxMessageBytes,
    );
    expect(RecordSizeBudget.fetchMaxBytes).toBeGreaterThanOrEqual(
      RecordSizeBudget.fetchMaxBytesPerPartition,
    );
  });

  it('fails when the consumer is configured for content the topics cannot carry', () => {
    expect(() =>
      loadConsumerConfig(
        { MESHRAG_CONSUMER_MAX_CONTENT_BYTES: String(RecordSizeBudget.maxContentBytes + 1) },
        { kafkaBrokers: 'x:1', embedderUrl: 'http://e', chromaUrl: 'http://c', modelDir: '/m' },
      ),
    ).toThrow(/MESHRAG_CONSUMER_MAX_CONTENT_BYTES/);
  });
});

describe('splitBySize', () => {
  const record = (bytes: number) => ({ key: null, value: Buffer.alloc(bytes) });

  it('splits by count and by bytes, keeping order', () => {
    const records = [record(10), record(10), record(10), record(10), record(10)];
    expect(splitBySize(records, { maxCount: 2 }).map((r) => r.length)).toEqual([2, 2, 1]);
    const size = recordSizeBytes(record(10));
    expect(splitBySize(records, { maxBytes: 3 * size }).map((r) => r.length)).toEqual([3, 2]);
    expect(splitBySize(records, { maxBytes: 3 * size }).flat()).toEqual(records);
  });

  it('sends a record bigger than the limit alone instead of dropping it', () => {
    const big = record(1_000);
    expect(splitBySize([record(1), big, record(1)], { maxBytes: 500 })).toEqual([
      [record(1)],
      [big],
      [record(1)],
    ]);
  });

  it('counts headers', () => {
    expect(
      recordSizeBytes({ key: 'k', value: 'v', headers: { h: 'x'.repeat(100) } }),
    ).toBeGreaterThan(recordSizeBytes({ key: 'k', value: 'v' }) + 100);
  });

  it('fails when maxCount is not a positive integer', () => {
    expect(() => splitBySize([], { maxCount: 0 })).toThrow(
      /maxCount must be a positive integer, got 0/,
    );
  });
});
