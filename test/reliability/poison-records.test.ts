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
// Clean and poisoned runs alternate (clean, poisoned, poisoned, clean in the full profile), so
// load that comes and goes on a shared machine lands on both alike: one clean run followed by
// one poisoned run measured 66% and 100% an hour apart on the same code.
const ROUNDS = settings.profile === 'full' ? 2 : 1;

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

const poisons = (round: number, n: number): Poison[] => {
  const kind = n % 4;
  const key = `poison-${round}-${n}`;
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
    const order = ROUNDS === 1 ? ['clean', 'mixed'] : ['clean', 'mixed', 'mixed', 'clean'];
    const dlqStart = await stack.harness.endOffsets(LifecycleTopics.dlq);
    const injected: Poison[] = [];
    const runs: { kind: string; expectedIds: string[]; ids: string[]; elapsedMs: number }[] = [];
    for (const [round, kind] of order.entries()) {
      const docs = healthy(`${kind}-${round}`);
      const messages: { key: string; value: string }[] = [];
      const poisonEvery = Math.floor(HEALTHY / 8);
      docs.forEach((doc, i) => {
        messages.push({ key: doc.id, value: JSON.stringify(doc) });
        if (kind === 'mixed' && i % poisonEvery === poisonEvery - 1) {
          // the n-th poison of the run: its kind cycles through the four
          const poison = poisons(round, Math.floor(i / poisonEvery));
          injected.push(...poison);
          messages.push(...poison.map(({ key, value }) => ({ key, value })));
        }
      });
      const run = await timedRun(`${kind}-${round}`, messages);
      runs.push({
        kind,
        expectedIds: stack.expectedIds(docs),
        ids: await stack.ids(run.collection),
        elapsedMs: run.elapsedMs,
      });
    }
    const compared = runs.map((run) => compareIds(run.expectedIds, run.ids));
    const letters = await readDeadLetters(stack.harness.kafka, { fromOffsets: dlqStart });
    const byKey = new Map(letters.map((l) => [l.key, l]));
    const totalMs = (kind: string) =>
      runs.filter((run) => run.kind === kind).reduce((ms, run) => ms + run.elapsedMs, 0);
    const cleanRate = (HEALTHY * ROUNDS) / (totalMs('clean') / 1000);
    const mixedRate = (HEALTHY * ROUNDS) / (totalMs('mixed') / 1000);
    const ratio = mixedRate / cleanRate;
    const timings = (kind: string) =>
      runs
        .filter((run) => run.kind === kind)
        .map((run) => seconds(run.elapsedMs))
        .join(' + ');
    const mixedRuns = runs.filter((run) => run.kind === 'mixed');

    await writeScenarioReport({
      id: 'poison-records',
      title: 'Poison records mixed into healthy traffic',
      description:
        `Runs of ${HEALTHY} healthy records, clean or with ${injected.length / ROUNDS} poison records ` +
        `spread among them (${order.join(', ')}): records carrying \`${MARKER}\` (a fault proxy in front of the real ` +
        'embedder answers 500 to them: retriable, so retried), records that are not JSON, and ' +
        'records with only zero-width characters (never retried). Throughput: healthy records ' +
        'per second from the consumer joining to its group having committed everything, over ' +
        'all clean runs and all poisoned runs of the test, which alternate.',
      command:
        'MESHRAG_CACHE_DIR=<cache> npx vitest run --project reliability test/reliability/poison-records.test.ts',
      figures: [
        [
          'records in (healthy + poison), poisoned runs',
          `${HEALTHY * ROUNDS} + ${injected.length}`,
        ],
        ['acknowledged', HEALTHY * ROUNDS + injected.length],
        [
          'healthy indexed (vectors expected / in Chroma), poisoned runs',
          `${mixedRuns.reduce((n, r) => n + r.expectedIds.length, 0)} / ${mixedRuns.reduce((n, r) => n + r.ids.length, 0)}`,
        ],
        ['lost', compared.reduce((n, c) => n + c.lost.length, 0)],
        ['extra', compared.reduce((n, c) => n + c.extra.length, 0)],
        ['dead-lettered', letters.length],
        [
          'dead letters (reason × attempts)',
          [...new Set(letters.map((l) => `${l.reason} × ${l.attempts}`))].sort().join(', '),
        ],
        ['requests failed by the fault proxy', proxy.injected()],
        ['clean runs', `${timings('clean')}, ${cleanRate.toFixed(1)} records/s`],
        ['poisoned runs', `${timings('mixed')}, ${mixedRate.toFixed(1)} records/s`],
        ['throughput ratio (poisoned / clean)', `${(ratio * 100).toFixed(0)}%`],
      ],
    });

    for (const run of runs) {
      expect(compareIds(run.expectedIds, run.ids)).toEqual({ lost: [], extra: [] });
      expect(run.ids).toEqual(run.expectedIds);
    }
    for (const poison of injected) {
      const letter = byKey.get(poison.key);
      expect(letter?.reason, poison.key).toBe(poison.reason);
      expect(letter?.attempts, poison.key).toBe(poison.attempts);
    }
    expect(letters).toHaveLength(injected.length);
    // every poisoned run carries each kind, the retriable one included
    expect(new Set(injected.map((p) => p.reason)).size).toBe(3);
    expect(proxy.injected()).toBeGreaterThan(0);
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
