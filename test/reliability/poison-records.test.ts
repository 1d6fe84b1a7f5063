/**
 * Issue 10, fault 4: poison records mixed into healthy traffic. A record that makes the
 * embedder fail every time (a fault proxy in front of the real embedder answers 500 to any
 * request carrying it) is retried, then dead-lettered after 3 attempts as `retries-exhausted`;
 * records that can never pass (not JSON, schema violation, no tokens) are dead-lettered at once
 * (1 attempt) with their reason. The healthy records behind them flow at ≥ 90% of the
 * throughput of a clean run measured side by side in the same test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LifecycleTopics } from '../../app/common/topics.js';
import { readDeadLetters } from '../../app/consumer/src/delivery/dead-letter-reader.js';
import {
  compareIds,
  type Doc,
  ordinaryDoc,
  ReliabilityStack,
  reliabilitySettings,
  startEmbedderFaultProxy,
} from './reliability-fixture.js';
import { seconds, writeScenarioReport } from './reliability-report.js';

const settings = reliabilitySettings();
const MARKER = 'POISON-5XX';
// Enough records that a run lasts well beyond one poison's retry backoff (~0.5 s of one
// partition's time): with 300 a run took 6 s and one hiccup on a shared machine moved the ratio
// by 10%. 8 poison records either way (0.8% of the traffic in CI).
const HEALTHY = settings.profile === 'full' ? 2_000 : 1_000;
const MIN_THROUGHPUT_RATIO = 0.9;

let stack: ReliabilityStack;
let proxy: Awaited<ReturnType<typeof startEmbedderFaultProxy>>;

beforeAll(async () => {
  stack = await ReliabilityStack.start({ label: 'poison' });
  proxy = await startEmbedderFaultProxy(stack.embedder.url, MARKER);
});

afterAll(async () => {
  await proxy?.close();
  await stack?.stop();
});

interface Poison {
  readonly key: string;
  readonly value: string;
  readonly reason: string;
  readonly attempts: number;
}

const poisons = (n: number): Poison[] => {
  const kind = n % 4;
  const key = `poison-${n}`;
  if (kind === 0 || kind === 2) {
    return [
      {
        key,
        value: JSON.stringify({ id: key, content: `${MARKER}: the embedder fails on this one.` }),
        reason: 'retries-exhausted',
        attempts: 3,
      },
    ];
  }
  if (kind === 1)
    return [{ key, value: '{"id": "broken", "content": ', reason: 'invalid-json', attempts: 1 }];
  return [
    {
      key,
      value: JSON.stringify({ id: key, content: '\u200b\u200b\u200d' }),
      reason: 'no-tokens',
      attempts: 1,
    },
  ];
};

/** Produces the records, starts a consumer, and times it from joining to caught up. */
async function timedRun(label: string, messages: readonly { key: string; value: string }[]) {
  const { groupId, collection } = await stack.harness.isolate(label);
  await stack.harness.produce(messages);
  const consumer = await stack.startConsumer(groupId, collection, {
    MESHRAG_CONSUMER_EMBEDDER_URL: proxy.url,
  });
  const started = performance.now();
  await stack.harness.waitCaughtUp(groupId, 600_000, consumer.output);
  const elapsedMs = performance.now() - started;
  await consumer.stop();
  return { collection, elapsedMs };
}

describe('poison records in healthy traffic', () => {
  it('dead-letters each poison record with its reason and attempts, and measures healthy throughput against a clean run (≥ 90% enforced in the full profile)', async () => {
    const healthy = (prefix: string) =>
      Array.from({ length: HEALTHY }, (_, i) => ordinaryDoc(prefix, i));
    const asMessages = (docs: readonly Doc[]) =>
      docs.map((d) => ({ key: d.id, value: JSON.stringify(d) }));

    // Warm the embedder (model sessions, allocator) so the clean run, which goes first, is not
    // the slower one for that reason alone: each run has its own consumer process either way.
    for (let i = 0; i < 5; i++) {
      const response = await fetch(`${stack.embedder.url}/embed`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          inputs: healthy('warm')
            .slice(0, 32)
            .map((d) => d.content),
        }),
      });
      expect(response.status).toBe(200);
    }
    // clean run first, then the same number of healthy records with poison among them
    const cleanDocs = healthy('clean');
    const clean = await timedRun('clean', asMessages(cleanDocs));

    const mixedDocs = healthy('mixed');
    const poisonEvery = Math.floor(HEALTHY / 8);
    const injected: Poison[] = [];
    const mixed: { key: string; value: string }[] = [];
    mixedDocs.forEach((doc, i) => {
      mixed.push({ key: doc.id, value: JSON.stringify(doc) });
      if (i % poisonEvery === poisonEvery - 1) {
        const poison = poisons(injected.length);
        injected.push(...poison);
        mixed.push(...poison.map(({ key, value }) => ({ key, value })));
      }
    });
    const dlqStart = await stack.harness.endOffsets(LifecycleTopics.dlq);
    const poisoned = await timedRun('mixed', mixed);

    const cleanIds = await stack.ids(clean.collection);
    const mixedIds = await stack.ids(poisoned.collection);
    const expectedClean = stack.expectedIds(cleanDocs);
    const expectedMixed = stack.expectedIds(mixedDocs);
    const cleanCompare = compareIds(expectedClean, cleanIds);
    const mixedCompare = compareIds(expectedMixed, mixedIds);
    const letters = await readDeadLetters(stack.harness.kafka, { fromOffsets: dlqStart });
    const byKey = new Map(letters.map((l) => [l.key, l]));
    const cleanRate = HEALTHY / (clean.elapsedMs / 1000);
    const mixedRate = HEALTHY / (poisoned.elapsedMs / 1000);
    const ratio = mixedRate / cleanRate;

    await writeScenarioReport({
      id: 'poison-records',
      title: 'Poison records mixed into healthy traffic',
      description:
        `${HEALTHY} healthy records, then the same number with ${injected.length} poison records ` +
        `spread among them: records carrying \`${MARKER}\` (a fault proxy in front of the real ` +
        'embedder answers 500 to them: retriable, so retried), records that are not JSON, and ' +
        'records with only zero-width characters (never retried). Throughput: healthy records ' +
        'per second from the consumer joining to its group having committed everything, clean ' +
        'run and poisoned run one after the other in the same test.',
      command:
        'MESHRAG_CACHE_DIR=<cache> npx vitest run --project reliability test/reliability/poison-records.test.ts',
      figures: [
        ['records in (healthy + poison)', `${HEALTHY} + ${injected.length}`],
        ['acknowledged', HEALTHY + injected.length],
        [
          'healthy indexed (vectors expected / in Chroma)',
          `${expectedMixed.length} / ${mixedIds.length}`,
        ],
        ['lost', mixedCompare.lost.length],
        ['extra', mixedCompare.extra.length],
        ['dead-lettered', letters.length],
        [
          'dead letters (reason × attempts)',
          [...new Set(letters.map((l) => `${l.reason} × ${l.attempts}`))].sort().join(', '),
        ],
        ['requests failed by the fault proxy', proxy.injected()],
        ['clean run', `${seconds(clean.elapsedMs)}, ${cleanRate.toFixed(1)} records/s`],
        ['poisoned run', `${seconds(poisoned.elapsedMs)}, ${mixedRate.toFixed(1)} records/s`],
        ['throughput ratio (poisoned / clean)', `${(ratio * 100).toFixed(0)}%`],
      ],
    });

    expect(cleanCompare).toEqual({ lost: [], extra: [] });
    expect(mixedCompare).toEqual({ lost: [], extra: [] });
    expect(mixedIds).toEqual(expectedMixed);
    for (const poison of injected) {
      const letter = byKey.get(poison.key);
      expect(letter?.reason, poison.key).toBe(poison.reason);
      expect(letter?.attempts, poison.key).toBe(poison.attempts);
    }
    expect(letters).toHaveLength(injected.length);
    // The throughput ratio is a speed target: it is measured and written to docs/reliability.md
    // on every run, but enforced only by `npm run test:reliability` (2,000 records, a machine
    // kept for it), not in `npm test`, where a loaded CI runner would make it a timed test.
    if (settings.profile === 'full') {
      expect(ratio, 'poisoned throughput / clean throughput').toBeGreaterThanOrEqual(
        MIN_THROUGHPUT_RATIO,
      );
    }
  }, 1_200_000);
});
