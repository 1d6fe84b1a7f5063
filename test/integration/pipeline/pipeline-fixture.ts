/**
 * What the pipeline tests share: the embedder as a child process (one per test file), a
 * Kafka admin and producer on the shared broker, a Chroma client, and helpers to isolate a
 * test (its own consumer group starting at the current end of `documents.parsed`, its own
 * collection) and to wait for the consumer to catch up.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChromaClient, Collection } from 'chromadb';
import { pino } from 'pino';
import {
  type Admin,
  createKafka,
  ensureTopics,
  javaCompatiblePartitioner,
  type Kafka,
  type Producer,
} from '../../../app/common/kafka.js';
import { allLifecycleTopics, LifecycleTopics } from '../../../app/common/topics.js';
import { Chunker } from '../../../app/consumer/src/chunking/chunker.js';
import { type ConsumerConfig, loadConsumerConfig } from '../../../app/consumer/src/config.js';
import {
  type ConsumerService,
  startConsumerService,
} from '../../../app/consumer/src/consumer-service.js';
import { chromaClientFor } from '../../../app/consumer/src/indexing/chroma-index.js';
import { REPO_ROOT } from '../../../local/cache-paths.js';
import { findFreePorts } from '../../../local/free-port.js';

export const PARTITIONS = 3;

export interface ChildService {
  readonly url: string;
  readonly process: ChildProcess;
  readonly output: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Spawns `node --import tsx <entry>` with env, keeping its output for failure messages. */
export function spawnService(
  entry: string,
  env: Record<string, string>,
  url: string,
): ChildService {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, entry)], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return {
    url,
    process: child,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Polls `url` until it answers 200, or fails with the service's output. */
export async function waitHealthy(service: ChildService, path = '/health', timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (service.process.exitCode !== null) {
      throw new Error(`service exited with ${service.process.exitCode}:\n${service.output()}`);
    }
    try {
      const response = await fetch(`${service.url}${path}`);
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`service at ${service.url} not healthy in ${timeoutMs} ms:\n${service.output()}`);
}

/** Starts the embedder on `port` (a free one by default; the same one again after an outage). */
export async function startEmbedder(modelDir: string, port?: number): Promise<ChildService> {
  port ??= (await findFreePorts(1))[0] ?? 0;
  const embedder = spawnService(
    'app/embedder/src/main.ts',
    {
      MESHRAG_EMBEDDER_MODEL_DIR: modelDir,
      MESHRAG_EMBEDDER_PORT: String(port),
      MESHRAG_EMBEDDER_LOG_LEVEL: 'warn',
    },
    `http://127.0.0.1:${port}`,
  );
  await waitHealthy(embedder);
  return embedder;
}

/**
 * What a pipeline test file starts with, side by side: a harness connected to the test
 * services, the embedder as a child process, and the model's chunker (for the expected ids).
 */
export async function startPipeline(
  brokers: readonly string[],
  chromaUrl: string,
  modelDir: string,
): Promise<{ harness: PipelineHarness; embedder: ChildService; chunker: Chunker }> {
  const harness = new PipelineHarness(brokers, chromaUrl);
  try {
    const [embedder, chunker] = await Promise.all([
      startEmbedder(modelDir),
      Chunker.fromModelDir(modelDir),
      harness.connect(),
    ]);
    return { harness, embedder, chunker };
  } catch (error) {
    await harness.close().catch(() => undefined);
    throw error;
  }
}

export class PipelineHarness {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly producer: Producer;
  readonly chroma: ChromaClient;

  constructor(
    readonly brokers: readonly string[],
    readonly chromaUrl: string,
    /**
     * Replicas of the lifecycle topics this harness creates (3 for a 3-broker cluster).
     * @default 1
     */
    private readonly replicationFactor = 1,
  ) {
    this.kafka = createKafka({ brokers, clientId: 'meshrag-pipeline-test', logLevel: 'ERROR' });
    this.admin = this.kafka.admin();
    this.producer = this.kafka.producer({ createPartitioner: javaCompatiblePartitioner });
    this.chroma = chromaClientFor(chromaUrl);
  }

  async connect(): Promise<void> {
    await this.admin.connect();
    await this.producer.connect();
    await ensureTopics(this.admin, allLifecycleTopics, {
      numPartitions: PARTITIONS,
      replicationFactor: this.replicationFactor,
    });
  }

  async close(): Promise<void> {
    await this.producer.disconnect();
    await this.admin.disconnect();
  }

  /**
   * Starts the real consumer in this process on these Kafka brokers and Chroma, with its HTTP
   * port free and its logs at warn; `settings` name the embedder, model, group and collection,
   * and may replace any other setting.
   */
  async startConsumer(
    settings: Pick<ConsumerConfig, 'embedderUrl' | 'modelDir' | 'groupId' | 'collection'> &
      Partial<ConsumerConfig>,
  ): Promise<ConsumerService> {
    const config = loadConsumerConfig(
      {},
      {
        kafkaBrokers: this.brokers.join(','),
        chromaUrl: this.chromaUrl,
        httpPort: 0,
        logLevel: 'warn',
        ...settings,
      },
    );
    return startConsumerService({ config, logger: pino({ level: 'warn' }) });
  }

  /**
   * A fresh group whose committed offsets are the current end of `documents.parsed`, and a
   * fresh collection name: the test sees only what it produces.
   */
  async isolate(label: string): Promise<{ groupId: string; collection: string }> {
    const suffix = randomUUID().slice(0, 8);
    const groupId = `it-${label}-${suffix}`;
    const ends = await this.admin.fetchTopicOffsets(LifecycleTopics.parsed);
    await this.admin.setOffsets({
      groupId,
      topic: LifecycleTopics.parsed,
      partitions: ends.map((e) => ({ partition: e.partition, offset: e.high })),
    });
    return { groupId, collection: `it-${label}-${suffix}` };
  }

  /** Current end offsets of a topic, per partition (where a later reader should start). */
  async endOffsets(topic: string): Promise<Map<number, string>> {
    const ends = await this.admin.fetchTopicOffsets(topic);
    return new Map(ends.map((e) => [e.partition, e.high]));
  }

  async produce(messages: readonly { key: string; value: string | Buffer }[]): Promise<void> {
    for (let i = 0; i < messages.length; i += 500) {
      await this.producer.send({
        topic: LifecycleTopics.parsed,
        messages: messages.slice(i, i + 500).map((m) => ({ key: m.key, value: m.value })),
      });
    }
  }

  /** Waits until the group has committed every record of `documents.parsed`. */
  async waitCaughtUp(groupId: string, timeoutMs = 90_000, describe?: () => string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const ends = await this.endOffsets(LifecycleTopics.parsed);
      const [committed] = await this.admin.fetchOffsets({
        groupId,
        topics: [LifecycleTopics.parsed],
      });
      const behind = (committed?.partitions ?? []).some(
        (p) => BigInt(p.offset) < BigInt(ends.get(p.partition) ?? '0'),
      );
      if (!behind) return;
      await sleep(250);
    }
    throw new Error(
      `group ${groupId} did not catch up in ${timeoutMs} ms${describe ? `:\n${describe()}` : ''}`,
    );
  }

  async collection(name: string): Promise<Collection> {
    return this.chroma.getCollection({ name });
  }

  /** Every id in a collection. */
  async ids(name: string): Promise<string[]> {
    const collection = await this.collection(name);
    const count = await collection.count();
    const result = await collection.get({ limit: count + 1, include: [] });
    return [...result.ids].sort();
  }
}
