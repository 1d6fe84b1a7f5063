import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ConsumerService } from '../../../app/consumer/src/consumer-service.js';
import { REPO_ROOT } from '../../../local/cache-paths.js';
import { type ChildService, PipelineHarness, startEmbedder } from '../pipeline/pipeline-fixture.js';

const run = promisify(execFile);
const brokers = inject('kafkaBrokers');
const chromaUrl = inject('chromaUrl');
const modelDir = inject('modelDir');

let harness: PipelineHarness;
let embedder: ChildService;
let consumer: ConsumerService;
let dir: string;
let env: NodeJS.ProcessEnv;

/** Runs `meshrag <args>` against the test services; returns stdout. */
async function meshrag(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [join(REPO_ROOT, 'bin/meshrag.mjs'), ...args], {
    cwd: REPO_ROOT,
    env,
    timeout: 120_000,
    // The integration services are shared: `dlq --json` also lists other files' dead letters,
    // which include a maximum-size (2.3 MB) record from the large-documents test.
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

beforeAll(async () => {
  harness = new PipelineHarness(brokers, chromaUrl);
  await harness.connect();
  embedder = await startEmbedder(modelDir);
  const { groupId, collection } = await harness.isolate('cli');
  consumer = await harness.startConsumer({
    embedderUrl: embedder.url,
    modelDir,
    groupId,
    collection,
  });
  dir = await mkdtemp(join(tmpdir(), 'meshrag-cli-'));
  env = {
    ...process.env,
    MESHRAG_KAFKA_BROKERS: brokers.join(','),
    MESHRAG_CHROMA_URL: chromaUrl,
    MESHRAG_EMBEDDER_URL: embedder.url,
    MESHRAG_COLLECTION: collection,
    MESHRAG_GROUP_ID: groupId,
  };
});

afterAll(async () => {
  await consumer?.stop();
  await embedder?.stop();
  await harness?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('meshrag ingest, query, dlq, stats', () => {
  // Six CLI processes in a row: on a loaded 2-core machine each one starts in ~20 s.
  it('ingests a file, waits for the consumer, then queries, lists dead letters and counts', {
    timeout: 300_000,
  }, async () => {
    const file = join(dir, 'docs.jsonl');
    const lines = [
      JSON.stringify({
        id: 'cli-kafka',
        content: 'Kafka keeps the records of one key in order on one partition.',
      }),
      JSON.stringify({
        id: 'cli-chroma',
        content: 'Chroma answers nearest-neighbour queries over stored embeddings.',
      }),
      JSON.stringify({ id: 'cli-empty', content: '' }),
      '{"id": "cli-broken", ',
    ];
    await writeFile(file, `${lines.join('\n')}\n`);

    // validated by default: the bad lines are rejected with their reasons, the good ones sent
    const refused = await meshrag('ingest', file).catch(
      (error: { stderr: string }) => error.stderr,
    );
    expect(refused).toMatch(/rejected 2 line\(s\), not sent \(empty-content: 1, invalid-json: 1\)/);
    expect(refused).toMatch(/sent 2 record\(s\)/);

    await meshrag('ingest', file, '--raw', '--wait', '--timeout', '90');

    const hits = JSON.parse(
      await meshrag('query', 'partition ordering of records', '-k', '2', '--json'),
    );
    expect(hits[0]).toMatchObject({ rank: 1, docId: 'cli-kafka', chunkIndex: 0 });
    expect(hits).toHaveLength(2);

    const letters = JSON.parse(await meshrag('dlq', '--json')) as { key: string; reason: string }[];
    const ours = letters.filter((l) => l.key?.startsWith('cli-') || l.key === null);
    expect(ours.map((l) => l.reason)).toEqual(
      expect.arrayContaining(['empty-content', 'invalid-json']),
    );

    const stats = JSON.parse(await meshrag('stats', '--json'));
    expect(stats).toMatchObject({ vectors: 2, documents: 2, lag: 0 });
    expect(stats.deadLetters).toBeGreaterThanOrEqual(2);
  });
});
