/**
 * Large documents from `meshrag ingest` to Chroma on the real broker and consumer, with
 * default settings: the size budget (`RecordSizeBudget`) has to agree at every hop, or one of
 * these fails with the broker's "message larger than the max message size".
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RecordSizeBudget } from '../../../app/common/record-size-budget.js';
import { LifecycleTopics } from '../../../app/common/topics.js';
import type { ConsumerService } from '../../../app/consumer/src/consumer-service.js';
import { readDeadLetters } from '../../../app/consumer/src/delivery/dead-letter-reader.js';
import { REPO_ROOT } from '../../../local/cache-paths.js';
import { type ChildService, PipelineHarness, startEmbedder } from '../pipeline/pipeline-fixture.js';

const run = promisify(execFile);
const brokers = inject('kafkaBrokers');
const chromaUrl = inject('chromaUrl');
const modelDir = inject('modelDir');
const KB = 1000;

let harness: PipelineHarness;
let embedder: ChildService;
let consumer: ConsumerService;
let collection: string;
let dir: string;
let env: NodeJS.ProcessEnv;

/** Runs `meshrag <args>`; resolves with its exit code and output, also when it fails. */
async function meshrag(
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      [join(REPO_ROOT, 'bin/meshrag.mjs'), ...args],
      { cwd: REPO_ROOT, env, timeout: 900_000, maxBuffer: 16 * 1024 * 1024 },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout: string; stderr: string };
    return { code: failed.code ?? -1, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** Ordinary English-like text of exactly `bytes` ASCII bytes (sentences, newlines, quotes). */
function prose(bytes: number, seed: number): string {
  const words = [
    'the',
    'consumer',
    'commits',
    'offsets',
    'only',
    'after',
    'vectors',
    'are',
    'written',
    'to',
    'chroma',
    'kafka',
    'keeps',
    'records',
    'of',
    'one',
    'key',
    'in',
    'order',
    'on',
    'a',
    'partition',
    'while',
    '"embeddings"',
    'answer',
    'nearest',
    'neighbour',
    'queries',
    'fast',
  ];
  let state = seed;
  const parts: string[] = [];
  let length = 0;
  while (length < bytes) {
    const sentence: string[] = [];
    for (let i = 0; i < 14; i++) {
      state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
      sentence.push(words[state % words.length] as string);
    }
    const text = `${sentence.join(' ')}.\n`;
    parts.push(text);
    length += text.length;
  }
  return parts.join('').slice(0, bytes);
}

/** Chroma ids per document id (`<docId>#<chunk>`). */
async function chunksByDoc(): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const id of await harness.ids(collection)) {
    const docId = id.slice(0, id.lastIndexOf('#'));
    counts.set(docId, (counts.get(docId) ?? 0) + 1);
  }
  return counts;
}

beforeAll(async () => {
  harness = new PipelineHarness(brokers, chromaUrl);
  await harness.connect();
  embedder = await startEmbedder(modelDir);
  const isolated = await harness.isolate('large');
  collection = isolated.collection;
  consumer = await harness.startConsumer({
    embedderUrl: embedder.url,
    modelDir,
    groupId: isolated.groupId,
    collection,
  });
  dir = await mkdtemp(join(tmpdir(), 'meshrag-large-'));
  env = {
    ...process.env,
    MESHRAG_KAFKA_BROKERS: brokers.join(','),
    MESHRAG_CHROMA_URL: chromaUrl,
    MESHRAG_COLLECTION: collection,
    MESHRAG_GROUP_ID: isolated.groupId,
  };
});

afterAll(async () => {
  await consumer?.stop();
  await embedder?.stop();
  await harness?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('large documents through meshrag ingest, the broker and the consumer', () => {
  it('indexes a file of three 400 KB documents', {
    timeout: 900_000,
  }, async () => {
    const file = join(dir, 'big.jsonl');
    const docs = [0, 1, 2].map((i) => ({ id: `big-${i}`, content: prose(400 * KB, i + 1) }));
    await writeFile(file, `${docs.map((d) => JSON.stringify(d)).join('\n')}\n`);

    const result = await meshrag('ingest', file, '--wait', '--timeout', '850');

    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(
      /sent 3 record\(s\), 1\.\d MiB in \d+ request\(s\), to documents\.parsed/,
    );
    const chunks = await chunksByDoc();
    for (const doc of docs) expect(chunks.get(doc.id), doc.id).toBeGreaterThan(100);
  });

  it('indexes a document at exactly the content limit and refuses one a byte over with its line and size', {
    timeout: 900_000,
  }, async () => {
    const max = RecordSizeBudget.maxContentBytes;
    const file = join(dir, 'limit.jsonl');
    const lines = [
      JSON.stringify({ id: 'at-limit', content: prose(max, 7) }),
      '',
      JSON.stringify({ id: 'one-over', content: prose(max + 1, 8) }),
      JSON.stringify({ id: 'after-over', content: prose(20 * KB, 9) }),
    ];
    await writeFile(file, `${lines.join('\n')}\n`);

    const result = await meshrag('ingest', file, '--wait', '--timeout', '850');

    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `${file}:3 id "one-over" (${Buffer.byteLength(lines[2] as string)} bytes): oversized: document "one-over" content is ${max + 1} bytes; the limit is ${max}`,
    );
    expect(result.stderr).toMatch(/sent 2 record\(s\)/);
    expect(result.stderr).toContain(
      '1 of 3 line(s) rejected (listed above); the other 2 were sent',
    );
    const chunks = await chunksByDoc();
    expect(chunks.get('at-limit')).toBeGreaterThan(100);
    expect(chunks.get('after-over')).toBeGreaterThan(0);
    expect(chunks.has('one-over')).toBe(false);
  });

  it('dead-letters a maximum-size record that fails validation downstream, headers and all', {
    timeout: 300_000,
  }, async () => {
    const from = await harness.endOffsets(LifecycleTopics.dlq);
    const frame = '{"id":"dlq-max","content":""}';
    const value = frame.replace(
      '""',
      `"${'x'.repeat(RecordSizeBudget.maxValueBytes - frame.length)}"`,
    );
    expect(Buffer.byteLength(value)).toBe(RecordSizeBudget.maxValueBytes);
    const file = join(dir, 'dlq.jsonl');
    await writeFile(file, `${value}\n`);

    const result = await meshrag('ingest', file, '--raw', '--wait', '--timeout', '250');

    expect(result.code, result.stderr).toBe(0);
    const letters = (await readDeadLetters(harness.kafka, { fromOffsets: from })).filter(
      (l) => l.key === 'dlq-max',
    );
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({
      reason: 'oversized',
      originalTopic: LifecycleTopics.parsed,
    });
    expect(letters[0]?.value?.equals(Buffer.from(value))).toBe(true);
    expect((await chunksByDoc()).has('dlq-max')).toBe(false);
  });
});
