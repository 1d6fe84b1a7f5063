import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { LifecycleTopics } from '../../../../../app/common/topics.js';
import { Chunker } from '../../../../../app/consumer/src/chunking/chunker.js';
import {
  type BatchHooks,
  DocumentPipeline,
  type IMessageSink,
} from '../../../../../app/consumer/src/delivery/document-pipeline.js';
import {
  DlqHeaders,
  type InputRecord,
  type OutgoingMessage,
} from '../../../../../app/consumer/src/delivery/lifecycle-messages.js';
import type { IEmbedder } from '../../../../../app/consumer/src/embedding/embed-client.js';
import {
  EmbedderBusyError,
  EmbedderRequestError,
  IndexWriteError,
} from '../../../../../app/consumer/src/errors.js';
import {
  chunkId,
  DEFAULT_TENANT,
  type DocumentExtent,
  type IVectorIndex,
  type VectorRecord,
} from '../../../../../app/consumer/src/indexing/chroma-index.js';

/**
 * One token per word, chunks of 8 words, no overlap: a document of n words has ceil(n/8)
 * chunks. Zero-width spaces count nothing, as the model's tokenizer drops them.
 */
const countWords = (text: string) =>
  text.split(/\s+/).filter((word) => word.replaceAll('\u200b', '') !== '').length;
const chunker = new Chunker(countWords, { chunkTokens: 8, overlapTokens: 0 });

class MemoryIndex implements IVectorIndex {
  readonly records = new Map<string, VectorRecord>();
  upserts = 0;
  async fingerprints(ids: readonly string[]) {
    const found = new Map<string, string>();
    for (const id of ids) {
      const fingerprint = this.records.get(id)?.metadata.fingerprint;
      if (typeof fingerprint === 'string') found.set(id, fingerprint);
    }
    return found;
  }
  async upsert(records: readonly VectorRecord[]) {
    this.upserts++;
    for (const r of records) this.records.set(chunkId(r.docId, r.chunkIndex, r.tenant), r);
  }
  async deleteStale(extents: readonly DocumentExtent[]) {
    // as Chroma's `where`: docId, tenant (metadata) and chunkIndex
    for (const { docId, tenant = DEFAULT_TENANT, chunkCount } of extents) {
      for (const [id, r] of this.records) {
        if (r.docId === docId && r.metadata.tenant === tenant && r.chunkIndex >= chunkCount) {
          this.records.delete(id);
        }
      }
    }
  }
}

class FakeEmbedder implements IEmbedder {
  calls: string[][] = [];
  busy = false;
  async embed(inputs: readonly string[]) {
    if (this.busy) throw new EmbedderBusyError(429, 50, 'queue full');
    if (inputs.some((t) => t.includes('POISON'))) {
      throw new EmbedderRequestError('embedder answered 422: tokenizer', 422);
    }
    this.calls.push([...inputs]);
    return inputs.map((t) => [t.length, 1, 0]);
  }
}

class MemorySink implements IMessageSink {
  readonly messages: OutgoingMessage[] = [];
  async send(messages: readonly OutgoingMessage[]) {
    this.messages.push(...messages);
  }
  on(topic: string) {
    return this.messages.filter((m) => m.topic === topic);
  }
}

function setup(options: { maxGroupChunks?: number; chunker?: Chunker } = {}) {
  const index = new MemoryIndex();
  const embedder = new FakeEmbedder();
  const sink = new MemorySink();
  const pipeline = new DocumentPipeline(
    {
      chunker: options.chunker ?? chunker,
      embedder,
      index,
      sink,
      logger: pino({ level: 'silent' }),
    },
    {
      collection: 'test',
      maxGroupChunks: options.maxGroupChunks ?? 100,
      embedRequestChunks: 4,
      embedConcurrency: 2,
      retry: { initialDelayMs: 1, maxDelayMs: 2 },
    },
  );
  const commits: string[] = [];
  let running = true;
  const hooks: BatchHooks = {
    commit: async (offset) => {
      commits.push(offset);
    },
    heartbeat: async () => {},
    isRunning: () => running,
  };
  return { index, embedder, sink, pipeline, commits, hooks, stop: () => (running = false) };
}

let nextOffset = 0;
function record(value: string | Buffer | object, key = 'k'): InputRecord {
  const bytes =
    typeof value === 'string' || Buffer.isBuffer(value)
      ? Buffer.from(value)
      : Buffer.from(JSON.stringify(value));
  return {
    topic: 'documents.parsed',
    partition: 0,
    offset: String(nextOffset++),
    key: Buffer.from(key),
    value: bytes,
    timestamp: '0',
  };
}
const words = (n: number, prefix = 'w') =>
  Array.from({ length: n }, (_, i) => `${prefix}${i}`).join(' ');

describe('DocumentPipeline', () => {
  it('indexes every chunk with ids <docId>#<chunk> and commits after the write', async () => {
    const { index, pipeline, commits, hooks, sink, embedder } = setup();
    const records = [
      record({ id: 'a', content: words(20) }), // 3 chunks of 8,8,4
      record({ id: 'b', content: words(5), tenant: 't1', source: 's' }), // 1 chunk
    ];
    const result = await pipeline.processBatch(records, hooks);
    expect(result).toEqual({ committed: 2 });
    // b names a tenant, so its ids are scoped to it; a is in the default tenant
    expect([...index.records.keys()].sort()).toEqual(['a#0', 'a#1', 'a#2', 'b#0@t1']);
    expect(index.records.get('b#0@t1')?.metadata).toMatchObject({
      docId: 'b',
      chunkIndex: 0,
      tenant: 't1',
      source: 's',
    });
    expect(index.records.get('a#1')?.text).toBe(words(16).split(' ').slice(8).join(' '));
    // both documents' 4 chunks went in one group: one request of 4
    expect(embedder.calls).toHaveLength(1);
    expect(commits).toEqual([records[1]?.offset]);
    expect(sink.on(LifecycleTopics.embedded)).toHaveLength(2);
    expect(sink.on(LifecycleTopics.indexed)).toHaveLength(2);
  });

  it('cuts groups at maxGroupChunks and commits after each', async () => {
    const { pipeline, commits, hooks, index } = setup({ maxGroupChunks: 2 });
    const records = [1, 2, 3].map((i) => record({ id: `d${i}`, content: words(10) })); // 2 chunks each
    await pipeline.processBatch(records, hooks);
    expect(commits).toEqual(records.map((r) => r.offset));
    expect(index.upserts).toBe(3);
  });

  it('sends invalid records to the DLQ at once and keeps indexing the valid ones', async () => {
    const { pipeline, hooks, sink, index, commits } = setup();
    const records = [
      record('{not json'),
      record({ id: 'ok', content: 'fine words' }),
      record(Buffer.from([0xc3, 0x28])),
      record({ id: '', content: 'x' }),
    ];
    const result = await pipeline.processBatch(records, hooks);
    expect(result.committed).toBe(4);
    expect(commits.at(-1)).toBe(records[3]?.offset);
    expect(index.records.has('ok#0')).toBe(true);
    const dlq = sink.on(LifecycleTopics.dlq);
    expect(dlq.map((m) => m.headers?.[DlqHeaders.reason])).toEqual([
      'invalid-json',
      'invalid-utf8',
      'invalid-id',
    ]);
    expect(dlq.map((m) => m.headers?.[DlqHeaders.originalOffset])).toEqual([
      records[0]?.offset,
      records[2]?.offset,
      records[3]?.offset,
    ]);
    expect(sink.on(LifecycleTopics.failed)).toHaveLength(3);
  });

  it('isolates a document that fails every attempt and indexes the ones beside it', async () => {
    const { pipeline, hooks, sink, index } = setup();
    const records = [
      record({ id: 'good-1', content: words(6) }),
      record({ id: 'bad', content: 'this is POISON' }),
      record({ id: 'good-2', content: words(6) }),
    ];
    const result = await pipeline.processBatch(records, hooks);
    expect(result.committed).toBe(3);
    expect([...index.records.keys()].sort()).toEqual(['good-1#0', 'good-2#0']);
    const [dead] = sink.on(LifecycleTopics.dlq);
    expect(dead?.headers).toMatchObject({
      [DlqHeaders.errorClass]: 'EmbedderRequestError',
      [DlqHeaders.reason]: 'non-retriable',
      [DlqHeaders.originalOffset]: records[1]?.offset,
    });
    const failed = JSON.parse(String(sink.on(LifecycleTopics.failed)[0]?.value));
    expect(failed).toMatchObject({ docId: 'bad', errorClass: 'EmbedderRequestError' });
  });

  it('fails only the poison document of a group: its neighbours are embedded once and written in one upsert', async () => {
    const { pipeline, hooks, sink, index, embedder } = setup();
    const good = Array.from({ length: 10 }, (_, i) => ({
      id: `good-${i}`,
      content: words(6, `g${i}x`),
    }));
    const records = [
      ...good.slice(0, 5).map((d) => record(d)),
      record({ id: 'bad', content: 'this is POISON' }),
      ...good.slice(5).map((d) => record(d)),
    ];
    const result = await pipeline.processBatch(records, hooks);
    expect(result.committed).toBe(11);
    expect([...index.records.keys()].sort()).toEqual(good.map((d) => `${d.id}#0`).sort());
    // 11 chunks in requests of 4: the request with the poison fails; the other 7 chunks keep
    // their vectors, the 3 beside the poison are embedded alone; nothing is embedded twice
    const embedded = embedder.calls.flat();
    expect(embedded.sort()).toEqual(good.map((d) => d.content).sort());
    expect(index.upserts).toBe(1);
    expect(sink.on(LifecycleTopics.dlq)).toHaveLength(1);
    expect(JSON.parse(String(sink.on(LifecycleTopics.failed)[0]?.value))).toMatchObject({
      docId: 'bad',
    });
  });

  it('tells the poison from its neighbours with requests sent side by side, not one after the other', async () => {
    const { pipeline, hooks, index, embedder, sink } = setup();
    const original = embedder.embed.bind(embedder);
    let inFlight = 0;
    let mostInFlight = 0;
    embedder.embed = async (inputs) => {
      mostInFlight = Math.max(mostInFlight, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight--;
      return original(inputs);
    };
    // 4 one-chunk documents: one request of 4, which fails; then each on its own
    const good = [1, 2, 3].map((i) => ({ id: `n${i}`, content: words(3, `n${i}x`) }));
    const records = [
      record(good[0] as object),
      record({ id: 'bad', content: 'a POISON here' }),
      ...good.slice(1).map((d) => record(d)),
    ];
    const result = await pipeline.processBatch(records, hooks);
    expect(result.committed).toBe(4);
    expect([...index.records.keys()].sort()).toEqual(['n1#0', 'n2#0', 'n3#0']);
    expect(sink.on(LifecycleTopics.dlq)).toHaveLength(1);
    // the first pass has one request; only the isolation can put 4 in flight at once
    expect(mostInFlight).toBe(4);
  });

  it('stops at backpressure without committing what was not written', async () => {
    const { pipeline, hooks, embedder, commits, sink } = setup({ maxGroupChunks: 1 });
    const records = [1, 2, 3].map((i) => record({ id: `d${i}`, content: words(3) }));
    const original = embedder.embed.bind(embedder);
    let calls = 0;
    embedder.embed = async (inputs) => {
      if (++calls === 2) embedder.busy = true;
      return original(inputs);
    };
    const result = await pipeline.processBatch(records, hooks);
    expect(result.committed).toBe(1);
    expect(result.backpressure).toBeInstanceOf(EmbedderBusyError);
    expect(commits).toEqual([records[0]?.offset]);
    expect(sink.on(LifecycleTopics.dlq)).toHaveLength(0);
  });

  it('fails when the group rebalances mid-embed: the error reaches kafkajs, nothing is committed or dead-lettered', async () => {
    const { pipeline, hooks, commits, sink, index } = setup();
    const records = [1, 2, 3].map((i) => record({ id: `r${i}`, content: words(9) }));
    // What kafkajs throws from heartbeat() once the coordinator starts a rebalance.
    const rebalance = Object.assign(new Error('The group is rebalancing, so a rejoin is needed'), {
      name: 'KafkaJSProtocolError',
      type: 'REBALANCE_IN_PROGRESS',
    });
    const rebalancing: BatchHooks = {
      ...hooks,
      heartbeat: async () => {
        throw rebalance;
      },
    };
    await expect(pipeline.processBatch(records, rebalancing)).rejects.toBe(rebalance);
    expect(commits).toEqual([]);
    expect(sink.on(LifecycleTopics.dlq)).toEqual([]);
    expect(sink.on(LifecycleTopics.failed)).toEqual([]);
    expect(index.records.size).toBe(0);
  });

  it('fails when a heartbeat that cannot reach the group coordinator dead-letters valid documents', async () => {
    const { pipeline, hooks, commits, sink, index } = setup();
    const records = [1, 2, 3].map((i) => record({ id: `r${i}`, content: words(9) }));
    // What kafkajs' heartbeat() throws while the broker that coordinates the group is down
    // (seen in the 3-broker scenario: 46 valid records dead-lettered as retries-exhausted).
    const coordinatorDown = Object.assign(
      new Error('Connection error: connect ECONNREFUSED 127.0.0.1:42462'),
      { name: 'KafkaJSConnectionError', retriable: true },
    );
    const result = await pipeline.processBatch(records, {
      ...hooks,
      heartbeat: async () => {
        throw coordinatorDown;
      },
    });
    expect(result.committed).toBe(3);
    expect(commits).toEqual([records[2]?.offset]);
    expect(sink.on(LifecycleTopics.dlq)).toEqual([]);
    expect(sink.on(LifecycleTopics.failed)).toEqual([]);
    expect(index.records.size).toBeGreaterThanOrEqual(3);
  });

  it('does not embed an unchanged document again, and replaces a changed one', async () => {
    const { pipeline, hooks, embedder, index, sink } = setup();
    await pipeline.processBatch([record({ id: 'a', content: words(20) })], hooks);
    const before = index.records.get('a#0');
    await pipeline.processBatch([record({ id: 'a', content: words(20) })], hooks);
    expect(embedder.calls).toHaveLength(1);
    expect(index.records.get('a#0')).toBe(before);
    expect(JSON.parse(String(sink.on(LifecycleTopics.indexed).at(-1)?.value)).unchanged).toBe(true);

    await pipeline.processBatch([record({ id: 'a', content: words(9, 'v') })], hooks);
    expect([...index.records.keys()].sort()).toEqual(['a#0', 'a#1']);
    expect(index.records.get('a#0')?.text.startsWith('v0')).toBe(true);
  });

  it('lets the last record of a document in a group win', async () => {
    const { pipeline, hooks, index, embedder } = setup();
    await pipeline.processBatch(
      [
        record({ id: 'a', content: 'first version' }),
        record({ id: 'a', content: 'second version' }),
      ],
      hooks,
    );
    expect(index.records.get('a#0')?.text).toBe('second version');
    expect(embedder.calls.flat()).toEqual(['second version']);
  });

  it('finishes the group in flight and stops when the consumer is stopping', async () => {
    const { pipeline, hooks, commits, stop } = setup({ maxGroupChunks: 1 });
    const records = [1, 2, 3].map((i) => record({ id: `s${i}`, content: 'x y' }));
    let commitsSeen = 0;
    const stopping: BatchHooks = {
      ...hooks,
      commit: async (offset) => {
        await hooks.commit(offset);
        if (++commitsSeen === 1) stop();
      },
    };
    const result = await pipeline.processBatch(records, stopping);
    expect(result.committed).toBe(1);
    expect(commits).toEqual([records[0]?.offset]);
  });

  it('keeps two tenants with the same document id apart, in writes and in stale-chunk deletes', async () => {
    const { pipeline, hooks, index } = setup();
    await pipeline.processBatch(
      [
        record({ id: 'same', content: words(20), tenant: 'acme' }), // 3 chunks
        record({ id: 'same', content: words(20, 'b'), tenant: 'globex' }), // 3 chunks
        record({ id: 'same', content: words(20, 'c') }), // default tenant, 3 chunks
      ],
      hooks,
    );
    expect(index.records.size).toBe(9);
    // acme's shorter version removes only acme's chunks past its new count
    await pipeline.processBatch([record({ id: 'same', content: words(3), tenant: 'acme' })], hooks);
    expect([...index.records.keys()].sort()).toEqual([
      'same#0',
      'same#0@acme',
      'same#0@globex',
      'same#1',
      'same#1@globex',
      'same#2',
      'same#2@globex',
    ]);
    expect(index.records.get('same#0@globex')?.text.startsWith('b0')).toBe(true);
    expect(index.records.get('same#0')?.metadata.tenant).toBe('default');
  });

  it('treats no tenant and the tenant "default" as the same tenant', async () => {
    const { pipeline, hooks, index } = setup();
    await pipeline.processBatch(
      [
        record({ id: 'd', content: words(3) }),
        record({ id: 'd', content: words(3, 'x'), tenant: 'default' }),
      ],
      hooks,
    );
    expect([...index.records.keys()]).toEqual(['d#0']);
    expect(index.records.get('d#0')?.text).toBe(words(3, 'x'));
  });

  it('sends content with no tokens to the DLQ as no-tokens, keeping the earlier chunks', async () => {
    const { pipeline, hooks, index, sink, commits } = setup();
    await pipeline.processBatch([record({ id: 'z', content: words(12) })], hooks);
    expect([...index.records.keys()].sort()).toEqual(['z#0', 'z#1']);
    const records = [
      record({ id: 'z', content: '\u200b \u200b\u200b' }),
      record({ id: 'after', content: words(2) }),
    ];
    const result = await pipeline.processBatch(records, hooks);
    expect(result.committed).toBe(2);
    expect(commits.at(-1)).toBe(records[1]?.offset);
    expect([...index.records.keys()].sort()).toEqual(['after#0', 'z#0', 'z#1']);
    const [dead] = sink.on(LifecycleTopics.dlq);
    expect(dead?.headers).toMatchObject({
      [DlqHeaders.errorClass]: 'ChunkingError',
      [DlqHeaders.reason]: 'no-tokens',
      [DlqHeaders.originalOffset]: records[0]?.offset,
    });
  });

  it('sends a document over the chunk budget to the DLQ as too-complex, and indexes the next', async () => {
    const budgeted = new Chunker(countWords, { chunkTokens: 8, overlapTokens: 0, maxChunks: 3 });
    const { pipeline, hooks, index, sink, embedder } = setup({ chunker: budgeted });
    const records = [
      record({ id: 'huge', content: words(25) }), // 4 chunks > 3
      record({ id: 'fits', content: words(24) }), // 3 chunks
    ];
    const result = await pipeline.processBatch(records, hooks);
    expect(result.committed).toBe(2);
    expect([...index.records.keys()].sort()).toEqual(['fits#0', 'fits#1', 'fits#2']);
    expect(embedder.calls.flat().some((t) => t.includes('w24'))).toBe(false);
    const [dead] = sink.on(LifecycleTopics.dlq);
    expect(dead?.headers).toMatchObject({
      [DlqHeaders.reason]: 'too-complex',
      [DlqHeaders.attempts]: '1',
      [DlqHeaders.originalOffset]: records[0]?.offset,
    });
    expect(dead?.headers?.[DlqHeaders.message]).toMatch(/more than 3 chunks/);
  });

  it('commits an offset only after the vectors of every record up to it are written', async () => {
    // Would fail if the offset were committed before the upsert (or before a retried upsert
    // finally succeeded): at each commit, the index must already hold every chunk of every
    // record up to that offset.
    const { pipeline, hooks, index } = setup({ maxGroupChunks: 2 });
    const docs = [1, 2, 3, 4].map((i) => ({ id: `o${i}`, content: words(10) })); // 2 chunks each
    const records = docs.map((d) => record(d));
    const upsert = index.upsert.bind(index);
    let failures = 0;
    index.upsert = async (batch) => {
      // the first attempt of every write fails (retriable): the commit must wait for the retry
      if (failures++ % 2 === 0) {
        throw new IndexWriteError('chroma: upsert failed: 503', { retriable: true });
      }
      await upsert(batch);
    };
    const seenAtCommit: string[][] = [];
    const ordered: BatchHooks = {
      ...hooks,
      commit: async (offset) => {
        seenAtCommit.push([...index.records.keys()].sort());
        const upTo = records.findIndex((r) => r.offset === offset);
        for (const doc of docs.slice(0, upTo + 1)) {
          expect(index.records.has(`${doc.id}#0`)).toBe(true);
          expect(index.records.has(`${doc.id}#1`)).toBe(true);
        }
        await hooks.commit(offset);
      },
    };
    await pipeline.processBatch(records, ordered);
    expect(seenAtCommit).toHaveLength(4);
    expect(seenAtCommit.at(-1)).toHaveLength(8);
  });
});
