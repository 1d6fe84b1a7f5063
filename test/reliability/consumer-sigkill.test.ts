/**
 * Issue 10, fault 1: the consumer is SIGKILLed 3 times while a producer keeps producing. Every
 * acknowledged record ends in Chroma exactly once (no id lost, none extra); records processed
 * again after a kill (their offset not yet committed) are counted, not forbidden.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LifecycleTopics } from '../../app/common/topics.js';
import type { ChildService } from '../integration/pipeline/pipeline-fixture.js';
import {
  LoadProducer,
  ReliabilityStack,
  reliabilitySettings,
  waitFor,
} from './reliability-fixture.js';
import { seconds, writeScenarioReport } from './reliability-report.js';

const settings = reliabilitySettings();
const KILLS = 3;
let stack: ReliabilityStack;

beforeAll(async () => {
  stack = await ReliabilityStack.start({ label: 'sigkill' });
});

afterAll(async () => {
  await stack?.stop();
});

describe('consumer SIGKILLed under load', () => {
  it(`loses and duplicates nothing over ${KILLS} kills, and counts what was reprocessed`, async () => {
    const { groupId, collection } = await stack.harness.isolate('sigkill');
    const dlqStart = await stack.harness.endOffsets(LifecycleTopics.dlq);
    const load = new LoadProducer(stack.harness, 'sigkill', settings.recordsPerSecond).start();
    let consumer: ChildService = await stack.startConsumer(groupId, collection);
    const recoveries: number[] = [];
    try {
      for (let kill = 1; kill <= KILLS; kill++) {
        // kill while the consumer is mid-stream: after it has written something new
        const before = (await stack.ids(collection)).length;
        await waitFor(
          `the consumer to index more than ${before} vectors before kill ${kill}`,
          async () => ((await stack.ids(collection)).length > before + 5 ? true : undefined),
          120_000,
        );
        await consumer.stop('SIGKILL');
        const killedAt = performance.now();
        const atKill = (await stack.ids(collection)).length;
        consumer = await stack.startConsumer(groupId, collection);
        await waitFor(
          `indexing to resume after kill ${kill}`,
          async () => ((await stack.ids(collection)).length > atKill ? true : undefined),
          120_000,
        );
        recoveries.push(performance.now() - killedAt);
      }
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

    await writeScenarioReport({
      id: 'consumer-sigkill',
      title: `Consumer SIGKILLed ${KILLS} times under load`,
      description:
        `A producer sends ${settings.recordsPerSecond} records/s (acks=all) the whole time; the ` +
        `consumer (a child process) is killed with SIGKILL ${KILLS} times, each time after it ` +
        'indexed something new, and a new one is started. Reprocessed = `vectors.indexed` ' +
        'events beyond the first per document (work redone because its offset was not yet ' +
        'committed; the write is an idempotent upsert).',
      command:
        'MESHRAG_CACHE_DIR=<cache> npx vitest run --project reliability test/reliability/consumer-sigkill.test.ts',
      figures: [
        ['records in (produced)', load.attempted.length],
        ['acknowledged', load.acknowledged.length],
        ['indexed (distinct documents with vectors)', events.size],
        ['vectors expected / in Chroma', `${expected.length} / ${ids.length}`],
        ['lost', lost.length],
        ['extra', extra.length],
        ['reprocessed', reprocessed],
        ['dead-lettered', letters.length],
        ['time to recover (kill → indexing again), per kill', recoveries.map(seconds).join(', ')],
      ],
    });

    expect(lost, 'acknowledged records with no vector').toEqual([]);
    expect(extra, 'vectors nobody produced').toEqual([]);
    expect(ids).toEqual(expected);
    expect(letters, 'valid records dead-lettered').toEqual([]);
  }, 900_000);
});
