import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LifecycleTopics } from '../../../app/common/topics.js';
import type { Chunker } from '../../../app/consumer/src/chunking/chunker.js';
import type { ConsumerConfig } from '../../../app/consumer/src/config.js';
import type { ConsumerService } from '../../../app/consumer/src/consumer-service.js';
import { readDeadLetters } from '../../../app/consumer/src/delivery/dead-letter-reader.js';
import { findFreePorts } from '../../../local/free-port.js';
import {
  type ChildService,
  type PipelineHarness,
  spawnService,
  startPipeline,
  waitHealthy,
} from './pipeline-fixture.js';

const brokers = inject('kafkaBrokers');
const chromaUrl = inject('chromaUrl');
const modelDir = inject('modelDir');

const TOPICS = [
  'Kafka partitions keep records of one key in order, so a document and its updates are read in sequence.',
  'Chroma stores each chunk with its embedding and metadata; deterministic ids make writes idempotent.',
  'The embedder batches concurrent requests into one model run, capped by tokens and by requests.',
  'Mutual TLS between workloads is enforced by the mesh; Kafka hops use Strimzi listeners and ACLs.',
  'A dead-letter topic keeps records that cannot be processed, with the reason in their headers.',
];

/** A deterministic document of `sentences` sentences. */
function document(id: string, sentences: number, salt = ''): { id: string; content: string } {
  const parts: string[] = [];
  for (let i = 0; i < sentences; i++)
    parts.push(`${TOPICS[(i + id.length) % TOPICS.length]} (${id} ${i}${salt})`);
  return { id, content: parts.join(' ') };
}

let harness: PipelineHarness;
let embedder: ChildService;
let chunker: Chunker;

function expectedIds(docs: readonly { id: string; content: string }[]): string[] {
  return docs.flatMap((d) => chunker.chunk(d.content).map((c) => `${d.id}#${c.index}`)).sort();
}

function startConsumer(
  groupId: string,
  collection: string,
  overrides: Partial<ConsumerConfig> = {},
): Promise<ConsumerService> {
  return harness.startConsumer({
    embedderUrl: embedder.url,
    modelDir,
    groupId,
    collection,
    ...overrides,
  });
}

beforeAll(async () => {
  ({ harness, embedder, chunker } = await startPipeline(brokers, chromaUrl, modelDir));
});

afterAll(async () => {
  await embedder?.stop();
  await harness?.close();
});

describe('ingestion pipeline on real Kafka, Chroma and embedder', () => {
  it('turns N documents into exactly the expected vectors, with ids <docId>#<chunk>', async () => {
    const { groupId, collection } = await harness.isolate('n-docs');
    const docs = Array.from({ length: 40 }, (_, i) => document(`doc-${i}`, 1 + ((i * 7) % 23)));
    const expected = expectedIds(docs);
    expect(expected.length).toBeGreaterThan(docs.length); // some documents have several chunks
    const consumer = await startConsumer(groupId, collection);
    try {
      await harness.produce(docs.map((d) => ({ key: d.id, value: JSON.stringify(d) })));
      await harness.waitCaughtUp(groupId);
      expect(await harness.ids(collection)).toEqual(expected);
      const stored = await (await harness.collection(collection)).get({
        ids: ['doc-3#0'],
        include: ['metadatas', 'documents', 'embeddings'],
      });
      expect(stored.metadatas[0]).toMatchObject({
        docId: 'doc-3',
        chunkIndex: 0,
        tenant: 'default',
      });
      expect(stored.metadatas[0]?.contentHash).toMatch(/^[0-9a-f]{64}$/);
      expect(stored.documents[0]).toBe(chunker.chunk(docs[3]?.content ?? '')[0]?.text);
      expect(stored.embeddings[0]).toHaveLength(384);
      const health = await fetch(`http://127.0.0.1:${consumer.httpPort}/health`);
      expect(health.status).toBe(200);
      const metrics = await (await fetch(`http://127.0.0.1:${consumer.httpPort}/metrics`)).text();
      expect(metrics).toContain('meshrag_consumer_records_total{outcome="indexed"} 40');
    } finally {
      await consumer.stop();
    }
  });

  it('dead-letters invalid records of every kind with reasons, without blocking valid ones', async () => {
    const { groupId, collection } = await harness.isolate('dlq');
    const dlqStart = await harness.endOffsets(LifecycleTopics.dlq);
    const valid = Array.from({ length: 12 }, (_, i) => document(`ok-${i}`, 2));
    const invalid: { key: string; value: string | Buffer; reason: string }[] = [
      { key: 'bad-json', value: '{"id": "x", "content": ', reason: 'invalid-json' },
      {
        key: 'bad-type',
        value: JSON.stringify({ id: 7, content: 'text' }),
        reason: 'schema-violation',
      },
      {
        key: 'bad-empty',
        value: JSON.stringify({ id: 'e', content: '   ' }),
        reason: 'empty-content',
      },
      {
        key: 'bad-size',
        // over the consumer's limit (set to 64 KiB below), under Kafka's 1 MB message limit
        value: JSON.stringify({ id: 'big', content: 'word '.repeat(20_000) }),
        reason: 'oversized',
      },
      {
        key: 'bad-utf8',
        value: Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d]),
        reason: 'invalid-utf8',
      },
      {
        key: 'bad-id',
        value: JSON.stringify({ id: 'x'.repeat(257), content: 'text' }),
        reason: 'invalid-id',
      },
    ];
    // Interleave: every bad record sits in front of good ones on the same partitions.
    const messages: { key: string; value: string | Buffer }[] = [];
    valid.forEach((d, i) => {
      const bad = invalid[i];
      if (bad) messages.push({ key: bad.key, value: bad.value });
      messages.push({ key: d.id, value: JSON.stringify(d) });
    });
    const consumer = await startConsumer(groupId, collection, { maxContentBytes: 64 * 1024 });
    try {
      await harness.produce(messages);
      await harness.waitCaughtUp(groupId);
      expect(await harness.ids(collection)).toEqual(expectedIds(valid));
      const letters = await readDeadLetters(harness.kafka, { fromOffsets: dlqStart });
      expect(letters).toHaveLength(invalid.length);
      const byKey = new Map(letters.map((l) => [l.key, l]));
      for (const bad of invalid) {
        const letter = byKey.get(bad.key);
        expect(letter, bad.key).toBeDefined();
        expect(letter?.reason, bad.key).toBe(bad.reason);
        expect(letter?.errorClass).toBe('InvalidEnvelopeError');
        expect(letter?.attempts).toBe(1);
        expect(letter?.originalTopic).toBe(LifecycleTopics.parsed);
        expect(letter?.message.length).toBeGreaterThan(0);
        // the dead letter carries the original bytes
        expect(Buffer.compare(letter?.value ?? Buffer.alloc(0), Buffer.from(bad.value))).toBe(0);
      }
    } finally {
      await consumer.stop();
    }
  });

  it('re-ingests idempotently, and a shorter version removes the chunks past its new count', async () => {
    const { groupId, collection } = await harness.isolate('reingest');
    const long = document('changing', 30);
    const other = document('steady', 4);
    const consumer = await startConsumer(groupId, collection);
    try {
      await harness.produce([long, other].map((d) => ({ key: d.id, value: JSON.stringify(d) })));
      await harness.waitCaughtUp(groupId);
      const first = await harness.ids(collection);
      expect(first).toEqual(expectedIds([long, other]));
      expect(first.filter((id) => id.startsWith('changing#')).length).toBeGreaterThan(3);
      const before = await (await harness.collection(collection)).get({ include: ['metadatas'] });

      // the same documents again: same ids, nothing rewritten
      await harness.produce([long, other].map((d) => ({ key: d.id, value: JSON.stringify(d) })));
      await harness.waitCaughtUp(groupId);
      const again = await (await harness.collection(collection)).get({ include: ['metadatas'] });
      expect([...again.ids].sort()).toEqual(first);
      const indexedAt = (r: typeof before) =>
        Object.fromEntries(r.ids.map((id, i) => [id, r.metadatas[i]?.indexedAt]));
      expect(indexedAt(again)).toEqual(indexedAt(before));

      // a changed, shorter version: its old extra chunks are gone, the other document stays
      const short = document('changing', 2, ' v2');
      await harness.produce([{ key: short.id, value: JSON.stringify(short) }]);
      await harness.waitCaughtUp(groupId);
      expect(await harness.ids(collection)).toEqual(expectedIds([short, other]));
      const stored = await (await harness.collection(collection)).get({
        ids: ['changing#0'],
        include: ['documents'],
      });
      expect(stored.documents[0]).toContain('v2');
    } finally {
      await consumer.stop();
    }
  });

  it('pauses a partition on 429 from the embedder and resumes without losing or repeating records', async () => {
    const { groupId, collection } = await harness.isolate('backpressure');
    // A TEI front that answers 429 (Retry-After 0.2 s) to the first requests, then proxies.
    let refusals = 4;
    const front = createServer((req, res) => {
      const body: Buffer[] = [];
      req.on('data', (c: Buffer) => body.push(c));
      req.on('end', async () => {
        if (req.url === '/embed' && refusals-- > 0) {
          res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '0.2' });
          res.end(JSON.stringify({ error: 'queue full', error_type: 'overloaded' }));
          return;
        }
        const upstream = await fetch(`${embedder.url}${req.url}`, {
          method: req.method ?? 'GET',
          headers: { 'content-type': 'application/json' },
          ...(req.method === 'POST' ? { body: Buffer.concat(body) } : {}),
        });
        res.writeHead(upstream.status, { 'content-type': 'application/json' });
        res.end(Buffer.from(await upstream.arrayBuffer()));
      });
    });
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    const frontUrl = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
    const docs = Array.from({ length: 30 }, (_, i) => document(`bp-${i}`, 3));
    const consumer = await startConsumer(groupId, collection, { embedderUrl: frontUrl });
    try {
      await harness.produce(docs.map((d) => ({ key: d.id, value: JSON.stringify(d) })));
      await harness.waitCaughtUp(groupId);
      expect(refusals).toBeLessThan(0);
      expect(await harness.ids(collection)).toEqual(expectedIds(docs));
      const metrics = await (await fetch(`http://127.0.0.1:${consumer.httpPort}/metrics`)).text();
      const pauses =
        /meshrag_consumer_backpressure_pauses_total\{dependency="embedder"\} (\d+)/.exec(metrics);
      expect(Number(pauses?.[1])).toBeGreaterThanOrEqual(1);
      expect(metrics).not.toContain('meshrag_consumer_dlq_total{');
      // each record processed once: the paused rest was fetched again, not indexed twice
      expect(metrics).toContain('meshrag_consumer_records_total{outcome="indexed"} 30');
    } finally {
      await consumer.stop();
      await new Promise((resolve) => front.close(resolve));
    }
  });

  it('shares partitions between two consumers joining mid-stream and ends with exactly the expected vectors', async () => {
    const { groupId, collection } = await harness.isolate('scale-out');
    const docs = Array.from({ length: 90 }, (_, i) => document(`so-${i}`, 2 + (i % 6)));
    const first = await startConsumer(groupId, collection, { maxGroupChunks: 32 });
    let second: ConsumerService | undefined;
    try {
      await harness.produce(docs.map((d) => ({ key: d.id, value: JSON.stringify(d) })));
      // the second member joins while the first is working: a rebalance mid-stream
      second = await startConsumer(groupId, collection, { maxGroupChunks: 32 });
      await harness.waitCaughtUp(groupId);
      expect(await harness.ids(collection)).toEqual(expectedIds(docs));
    } finally {
      await second?.stop();
      await first.stop();
    }
  });

  it('ends with every document indexed once after a consumer is SIGKILLed mid-stream and restarted', async () => {
    const { groupId, collection } = await harness.isolate('sigkill');
    const docs = Array.from({ length: 150 }, (_, i) => document(`k-${i}`, 3 + (i % 9)));
    const expected = expectedIds(docs);
    const start = async (): Promise<ChildService> => {
      const [port = 0] = await findFreePorts(1);
      const child = spawnService(
        'app/consumer/src/main.ts',
        {
          MESHRAG_CONSUMER_KAFKA_BROKERS: brokers.join(','),
          MESHRAG_CONSUMER_EMBEDDER_URL: embedder.url,
          MESHRAG_CONSUMER_CHROMA_URL: chromaUrl,
          MESHRAG_CONSUMER_MODEL_DIR: modelDir,
          MESHRAG_CONSUMER_GROUP_ID: groupId,
          MESHRAG_CONSUMER_COLLECTION: collection,
          MESHRAG_CONSUMER_HTTP_PORT: String(port),
          // small groups, so there are many commits to be killed between
          MESHRAG_CONSUMER_MAX_GROUP_CHUNKS: '32',
          // the killed member's partitions are handed over after this, not after 30 s
          MESHRAG_CONSUMER_SESSION_TIMEOUT_MS: '6000',
          MESHRAG_CONSUMER_LOG_LEVEL: 'warn',
        },
        `http://127.0.0.1:${port}`,
      );
      await waitHealthy(child);
      return child;
    };
    await harness.produce(docs.map((d) => ({ key: d.id, value: JSON.stringify(d) })));
    const first = await start();
    // Kill once some, not all, vectors are written.
    let written = 0;
    for (let i = 0; i < 600; i++) {
      try {
        written = await (await harness.collection(collection)).count();
      } catch {
        written = 0; // collection not created yet
      }
      if (written > 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await first.stop('SIGKILL');
    expect(written).toBeGreaterThan(0);
    expect(written).toBeLessThan(expected.length);

    const second = await start();
    try {
      await harness.waitCaughtUp(groupId, 180_000, second.output);
      const ids = await harness.ids(collection);
      expect(ids.length).toBe(expected.length);
      expect(ids).toEqual(expected);
    } finally {
      // SIGTERM: finish, commit, leave the group, exit 0
      expect(await second.stop('SIGTERM')).toBe(0);
    }
  });
});
