/**
 * Issue 10, fault 3: the embedder, then Chroma, is down for `MESHRAG_RELIABILITY_OUTAGE_MS`
 * (30 s in `npm run test:reliability`, 10 s in `npm test`) while a producer keeps producing.
 * The consumer pauses its partitions instead of retrying in a loop (its CPU, read from
 * /proc/<pid>/stat, stays low), resumes by itself once the dependency is back, loses nothing and
 * dead-letters nothing.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LifecycleTopics } from '../../app/common/topics.js';
import { CHROMA_SERVICE_NAME } from '../../local/chroma/chroma-service.js';
import {
  LoadProducer,
  ReliabilityStack,
  reliabilitySettings,
  sampleCpu,
  waitFor,
} from './reliability-fixture.js';
import { seconds, writeScenarioReport } from './reliability-report.js';

const settings = reliabilitySettings();
/** Peak CPU of the consumer during an outage, in % of one core: a paused consumer is near 0. */
const MAX_OUTAGE_CPU_PERCENT = 25;
let stack: ReliabilityStack;

beforeAll(async () => {
  stack = await ReliabilityStack.start({ label: 'outage' });
});

afterAll(async () => {
  await stack?.stop();
});

const outages = [
  {
    dependency: 'embedder',
    down: () => stack.killEmbedder(),
    up: () => stack.restartEmbedder(),
  },
  {
    dependency: 'chroma',
    down: () => stack.kill(CHROMA_SERVICE_NAME),
    up: () => stack.restart(),
  },
] as const;

describe('a dependency down under load', () => {
  for (const outage of outages) {
    it(`${outage.dependency} down ${seconds(settings.outageMs)}: the consumer pauses without spinning, recovers by itself, loses nothing`, async () => {
      const { groupId, collection } = await stack.harness.isolate(`${outage.dependency}-down`);
      const dlqStart = await stack.harness.endOffsets(LifecycleTopics.dlq);
      const load = new LoadProducer(
        stack.harness,
        `${outage.dependency}-down`,
        settings.recordsPerSecond,
      ).start();
      const consumer = await stack.startConsumer(groupId, collection);
      const pid = consumer.process.pid as number;
      let cpu: Awaited<ReturnType<ReturnType<typeof sampleCpu>['stop']>>;
      let recoverMs = 0;
      let indexedBefore = 0;
      try {
        await waitFor(
          'the consumer to index under load',
          async () => ((await stack.ids(collection)).length >= 10 ? true : undefined),
          120_000,
        );
        await outage.down();
        // the fault itself lasts a fixed time: this wait is the outage, not a guess at a condition
        const sampler = sampleCpu(pid);
        await sleep(settings.outageMs);
        cpu = await sampler.stop();
        if (outage.dependency === 'embedder') {
          // the consumer can still read Chroma, so count what was there when the outage ended
          indexedBefore = (await stack.ids(collection)).length;
        }
        await outage.up();
        if (outage.dependency === 'chroma') indexedBefore = (await stack.ids(collection)).length;
        const backAt = performance.now();
        await waitFor(
          `indexing to resume after the ${outage.dependency} came back`,
          async () => ((await stack.ids(collection)).length > indexedBefore ? true : undefined),
          120_000,
          100,
        );
        recoverMs = performance.now() - backAt;
      } finally {
        await load.stop();
      }
      // on a timeout the figures are still measured and written, then the ids are compared
      const { expected, ids, lost, extra, events, reprocessed, letters } = await stack.settle({
        groupId,
        collection,
        load,
        consumer,
        dlqStart,
        completeTimeoutMs: 180_000,
      });
      await consumer.stop();

      await writeScenarioReport({
        id: `${outage.dependency}-down`,
        title: `${outage.dependency === 'chroma' ? 'Chroma' : 'Embedder'} down ${seconds(settings.outageMs)} under load`,
        description:
          `A producer sends ${settings.recordsPerSecond} records/s (acks=all) the whole time; ` +
          `once the consumer is indexing, the ${outage.dependency} is killed (SIGKILL) and started ` +
          `again on the same port ${seconds(settings.outageMs)} later. CPU of the consumer ` +
          'process is read from /proc/<pid>/stat every second during the outage (100% = one ' +
          'core). Time to recover: the dependency healthy again → the next new vector.',
        command: `MESHRAG_CACHE_DIR=<cache> ${
          settings.profile === 'full' ? 'MESHRAG_RELIABILITY_PROFILE=full ' : ''
        }npx vitest run --project reliability test/reliability/dependency-outage.test.ts`,
        figures: [
          ['outage', seconds(settings.outageMs)],
          ['records in (produced)', load.attempted.length],
          ['acknowledged', load.acknowledged.length],
          ['indexed (distinct documents with vectors)', events.size],
          ['vectors expected / in Chroma', `${expected.length} / ${ids.length}`],
          ['lost', lost.length],
          ['extra', extra.length],
          ['reprocessed', reprocessed],
          ['dead-lettered', letters.length],
          ['time to recover', seconds(recoverMs)],
          [
            'consumer CPU during the outage, peak / mean',
            `${cpu.peakPercent.toFixed(1)}% / ${cpu.meanPercent.toFixed(1)}% (${cpu.samples} samples)`,
          ],
        ],
      });

      expect(lost, 'acknowledged records with no vector').toEqual([]);
      expect(extra, 'vectors nobody produced').toEqual([]);
      expect(ids).toEqual(expected);
      expect(letters, 'valid records dead-lettered').toEqual([]);
      expect(cpu.samples).toBeGreaterThan(0);
      expect(cpu.peakPercent, 'consumer CPU while paused (hot retry loop?)').toBeLessThan(
        MAX_OUTAGE_CPU_PERCENT,
      );
    }, 900_000);
  }
});
