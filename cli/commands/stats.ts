/**
 * `meshrag stats [--json]`: vectors in Chroma, documents indexed, dead letters, and the
 * consumer group's lag on `documents.parsed`.
 */
import type { Command } from 'commander';
import { createKafka } from '../../app/common/kafka.js';
import { LifecycleTopics } from '../../app/common/topics.js';
import { chromaClientFor } from '../../app/consumer/src/indexing/chroma-index.js';
import { action } from '../command-action.js';
import { brokersOf, type PipelineConnection, withPipelineOptions } from '../pipeline-options.js';

export interface PipelineStats {
  readonly collection: string;
  readonly vectors: number;
  readonly documents: number;
  readonly deadLetters: number;
  readonly groupId: string;
  /** Records of documents.parsed not yet committed by the consumer group. */
  readonly lag: number;
}

export async function pipelineStats(connection: PipelineConnection): Promise<PipelineStats> {
  const chroma = chromaClientFor(connection.chromaUrl);
  let vectors = 0;
  let documents = 0;
  const names = (await chroma.listCollections({ limit: 1000 })).map((c) => c.name);
  if (names.includes(connection.collection)) {
    const collection = await chroma.getCollection({ name: connection.collection });
    vectors = await collection.count();
    // Every document has a chunk 0.
    documents = (
      await collection.get({ where: { chunkIndex: 0 }, include: [], limit: vectors + 1 })
    ).ids.length;
  }
  const admin = createKafka({
    brokers: brokersOf(connection),
    clientId: 'meshrag-cli',
    logLevel: 'ERROR',
  }).admin();
  await admin.connect();
  try {
    const topics = await admin.listTopics();
    let deadLetters = 0;
    if (topics.includes(LifecycleTopics.dlq)) {
      for (const p of await admin.fetchTopicOffsets(LifecycleTopics.dlq))
        deadLetters += Number(p.high) - Number(p.low);
    }
    let lag = 0;
    if (topics.includes(LifecycleTopics.parsed)) {
      const ends = await admin.fetchTopicOffsets(LifecycleTopics.parsed);
      const [committed] = await admin.fetchOffsets({
        groupId: connection.groupId,
        topics: [LifecycleTopics.parsed],
      });
      for (const end of ends) {
        const offset =
          committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
        const from = Number(offset) >= 0 ? Number(offset) : Number(end.low);
        lag += Math.max(0, Number(end.high) - from);
      }
    }
    return {
      collection: connection.collection,
      vectors,
      documents,
      deadLetters,
      groupId: connection.groupId,
      lag,
    };
  } finally {
    await admin.disconnect();
  }
}

export function registerStatsCommand(program: Command): void {
  withPipelineOptions(
    program
      .command('stats')
      .description('vectors, documents indexed, dead letters and consumer lag')
      .option('--json', 'print JSON', false),
  ).action(
    action(async (options: PipelineConnection & { json: boolean }) => {
      const stats = await pipelineStats(options);
      process.stdout.write(
        options.json
          ? `${JSON.stringify(stats, null, 2)}\n`
          : `collection ${stats.collection}: ${stats.vectors} vectors, ${stats.documents} documents\n` +
              `dead letters: ${stats.deadLetters}\nconsumer group ${stats.groupId}: lag ${stats.lag}\n`,
      );
    }),
  );
}
