/**
 * What the fault scenarios share, on top of the pipeline fixture: a private set of real
 * services per scenario (Kafka with 1 or 3 KRaft nodes and Chroma under the `local` supervisor,
 * the embedder and the consumer as child processes), so a scenario can kill any of them
 * without disturbing another file; a producer that keeps producing (acks=all) and remembers
 * what was acknowledged; CPU of a process from /proc; and waits on conditions with deadlines.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { javaCompatiblePartitioner } from '../../app/common/kafka.js';
import { allLifecycleTopics, LifecycleTopics } from '../../app/common/topics.js';
import { Chunker } from '../../app/consumer/src/chunking/chunker.js';
import {
  type DeadLetter,
  readDeadLetters,
} from '../../app/consumer/src/delivery/dead-letter-reader.js';
import { chunkId } from '../../app/consumer/src/indexing/chroma-index.js';
import { findFreePortBlock, findFreePorts } from '../../local/free-port.js';
import {
  type LocalServices,
  type LocalServicesOptions,
  startLocalServices,
  stopLocalServices,
} from '../../local/local-services.js';
import { consoleReporter } from '../../local/reporter.js';
import { readState } from '../../local/supervisor/supervisor-state.js';
import {
  type ChildService,
  PARTITIONS,
  PipelineHarness,
  spawnService,
  startEmbedder,
  waitHealthy,
} from '../integration/pipeline/pipeline-fixture.js';

/** Durations and sizes of the scenarios, from the environment (see docs/reliability.md). */
export interface ReliabilitySettings {
  /** How long the embedder and Chroma stay down. `MESHRAG_RELIABILITY_OUTAGE_MS`. */
  readonly outageMs: number;
  /** Records produced per second while a fault happens. `MESHRAG_RELIABILITY_RATE`. */
  readonly recordsPerSecond: number;
  /** `full` (npm run test:reliability) or `ci` (npm test). */
  readonly profile: 'full' | 'ci';
}

export function reliabilitySettings(env: NodeJS.ProcessEnv = process.env): ReliabilitySettings {
  const profile = env.MESHRAG_RELIABILITY_PROFILE === 'full' ? 'full' : 'ci';
  const number = (name: string, fallback: number) => {
    const value = env[name];
    if (value === undefined || value === '') return fallback;
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed <= 0) {
      throw new Error(`${name} must be a positive number, got "${value}"`);
    }
    return parsed;
  };
  return {
    profile,
    // the 30 s in the full run; CI proves the same behaviour with a shorter outage
    outageMs: number('MESHRAG_RELIABILITY_OUTAGE_MS', profile === 'full' ? 30_000 : 10_000),
    recordsPerSecond: number('MESHRAG_RELIABILITY_RATE', 20),
  };
}

/** Polls `condition` until it returns a value other than undefined, or fails with `what`. */
export async function waitFor<T>(
  what: string,
  condition: () => Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

export interface Doc {
  readonly id: string;
  readonly content: string;
}

/** A short ordinary document (one chunk); the sequence number makes its content unique. */
export function ordinaryDoc(prefix: string, n: number): Doc {
  return {
    id: `${prefix}-${n}`,
    content: `Record ${n} of ${prefix}: Kafka partitions keep order, Chroma keeps vectors, and the consumer commits only after writing.`,
  };
}

/**
 * Produces `recordsPerSecond` documents in small acks=all requests until stopped; a request
 * that fails (a broker down) counts its records as attempted but not acknowledged.
 */
export class LoadProducer {
  readonly acknowledged: Doc[] = [];
  readonly attempted: Doc[] = [];
  failedRequests = 0;
  /**
   * Records of sends that resolved without an acknowledgement for the record's partition: the
   * client said "written" for a partition it never wrote (kafkajs#1303, see
   * `retryingWholeSends`). Counted, not dropped from `acknowledged`, so a loss still shows.
   */
  readonly resolvedWithoutPartitionAck: string[] = [];
  private running = false;
  private loop: Promise<void> | undefined;
  private next = 0;

  constructor(
    private readonly harness: PipelineHarness,
    private readonly prefix: string,
    private readonly recordsPerSecond: number,
  ) {}

  start(): this {
    this.running = true;
    const perTick = Math.max(1, Math.round(this.recordsPerSecond / 4));
    this.loop = (async () => {
      while (this.running) {
        const started = Date.now();
        const docs = Array.from({ length: perTick }, () => ordinaryDoc(this.prefix, this.next++));
        this.attempted.push(...docs);
        try {
          const messages = docs.map((d) => ({ key: d.id, value: JSON.stringify(d) }));
          const acks = await this.harness.producer.send({
            topic: LifecycleTopics.parsed,
            acks: -1,
            timeout: 10_000,
            messages,
          });
          this.acknowledged.push(...docs);
          const ackedPartitions = new Set(acks.map((ack) => ack.partition));
          for (const message of messages) {
            const partition = partitionOf({
              topic: LifecycleTopics.parsed,
              partitionMetadata,
              message,
            });
            if (!ackedPartitions.has(partition)) {
              this.resolvedWithoutPartitionAck.push(message.key);
              process.stderr.write(
                `LoadProducer: send resolved without an ack for partition ${partition} of ${message.key}\n`,
              );
            }
          }
        } catch {
          this.failedRequests++;
        }
        await sleep(Math.max(0, 250 - (Date.now() - started)));
      }
    })();
    return this;
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

/** The producer's own partitioner over the harness's partitions, to check acks per record. */
const partitionOf = javaCompatiblePartitioner();
const partitionMetadata = Array.from({ length: PARTITIONS }, (_, partitionId) => ({
  partitionId,
  leader: 0,
  replicas: [],
  isr: [],
  partitionErrorCode: 0,
}));

/** CPU time (user + system) of a process, in seconds, from /proc/<pid>/stat. */
export async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // the command name may hold spaces: fields are counted after its closing parenthesis
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / CLOCK_TICKS_PER_SECOND;
}

/** USER_HZ: 100 on every Linux architecture Node supports (`getconf CLK_TCK`). */
const CLOCK_TICKS_PER_SECOND = 100;

/** Samples a process's CPU every second; peak and mean in percent of one core. */
export function sampleCpu(pid: number) {
  const samples: number[] = [];
  let running = true;
  const started = performance.now();
  let first: number | undefined;
  const loop = (async () => {
    let last = await cpuSeconds(pid);
    first = last;
    let lastAt = performance.now();
    while (running) {
      await sleep(1_000);
      const now = await cpuSeconds(pid).catch(() => undefined);
      if (now === undefined) break;
      const at = performance.now();
      samples.push(((now - last) / ((at - lastAt) / 1000)) * 100);
      last = now;
      lastAt = at;
    }
    return last;
  })();
  return {
    async stop(): Promise<{ peakPercent: number; meanPercent: number; samples: number }> {
      running = false;
      const last = await loop;
      const seconds = (performance.now() - started) / 1000;
      return {
        peakPercent: Math.max(0, ...samples),
        meanPercent: seconds > 0 ? ((last - (first ?? last)) / seconds) * 100 : 0,
        samples: samples.length,
      };
    },
  };
}

export interface StackOptions {
  readonly label: string;
  /** @default 1 */
  readonly brokers?: number;
}

export interface SettleOptions {
  readonly groupId: string;
  readonly collection: string;
  /** The scenario's producer, already stopped. */
  readonly load: LoadProducer;
  /** The consumer now running; its output explains a group that does not catch up. */
  readonly consumer: ChildService;
  /** End offsets of the DLQ when the scenario began: only letters after them count. */
  readonly dlqStart: Map<number, string>;
  /** How long all acknowledged records may take to be indexed. */
  readonly completeTimeoutMs: number;
}

/** What a scenario reports and asserts on once its load has stopped. */
export interface Settled {
  /** Chunk ids of the acknowledged records, sorted. */
  readonly expected: string[];
  /** Whether every expected id was indexed within the deadline. */
  readonly complete: boolean;
  /** Ids in the collection. */
  readonly ids: string[];
  /** Expected ids with no vector. */
  readonly lost: string[];
  /** Ids that no record sent (acknowledged or not) would produce. */
  readonly extra: string[];
  /** `vectors.indexed` events per document id. */
  readonly events: Map<string, number>;
  /** Events beyond the first per document: work redone after a kill or a restart. */
  readonly reprocessed: number;
  /** Dead letters written since `dlqStart`. */
  readonly letters: DeadLetter[];
}

/**
 * One scenario's services. Kafka and Chroma run under the `local` supervisor in a temporary
 * run directory; `kill(name)` SIGKILLs one of them and `restart()` starts what is missing again
 * on the same ports, with the same data (the supervisor restarts services whose process died).
 */
export class ReliabilityStack {
  readonly harness: PipelineHarness;
  embedder: ChildService;
  private consumers: ChildService[] = [];

  private constructor(
    private readonly runDir: string,
    private readonly options: LocalServicesOptions,
    readonly services: LocalServices,
    embedder: ChildService,
    readonly embedderPort: number,
    readonly chunker: Chunker,
  ) {
    this.embedder = embedder;
    this.harness = new PipelineHarness(
      services.kafkaBrokers,
      services.chromaUrl,
      Math.min(3, options.brokers ?? 1),
    );
  }

  static async start(options: StackOptions): Promise<ReliabilityStack> {
    const brokers = options.brokers ?? 1;
    const runDir = await mkdtemp(join(tmpdir(), `meshrag-rel-${options.label}-`));
    const [kafka, kafkaController] = [
      await findFreePortBlock(brokers),
      await findFreePortBlock(brokers),
    ];
    const [chroma = 0, embedderPort = 0] = await findFreePorts(2);
    const localOptions: LocalServicesOptions = {
      runDir,
      brokers,
      ports: { kafka, kafkaController, chroma },
      reporter: consoleReporter(process.stderr, `meshrag(reliability ${options.label})`),
    };
    let embedder: ChildService | undefined;
    try {
      const services = await startLocalServices(localOptions);
      const chunker = await Chunker.fromModelDir(services.modelDir);
      embedder = await startEmbedder(services.modelDir, embedderPort);
      const stack = new ReliabilityStack(
        runDir,
        localOptions,
        services,
        embedder,
        embedderPort,
        chunker,
      );
      await stack.harness.connect();
      // a new cluster answers NOT_LEADER for a moment after the topics are created
      await waitFor(
        'leaders for the lifecycle topics',
        async () => {
          for (const topic of allLifecycleTopics)
            await stack.harness.admin.fetchTopicOffsets(topic);
          return true;
        },
        60_000,
      );
      return stack;
    } catch (error) {
      await embedder?.stop('SIGKILL');
      await stopLocalServices({ runDir }).catch(() => undefined);
      await rm(runDir, { recursive: true, force: true });
      throw error;
    }
  }

  /** The expected chunk ids of documents, sorted. */
  expectedIds(docs: readonly Doc[]): string[] {
    return docs
      .flatMap((d) => this.chunker.chunk(d.content).map((c) => chunkId(d.id, c.index)))
      .sort();
  }

  /** Starts the real consumer as a child process and waits until it is in its group. */
  async startConsumer(
    groupId: string,
    collection: string,
    env: Record<string, string> = {},
  ): Promise<ChildService> {
    const [port = 0] = await findFreePorts(1);
    const consumer = spawnService(
      'app/consumer/src/main.ts',
      {
        MESHRAG_CONSUMER_KAFKA_BROKERS: this.services.kafkaBrokers.join(','),
        MESHRAG_CONSUMER_EMBEDDER_URL: this.embedder.url,
        MESHRAG_CONSUMER_CHROMA_URL: this.services.chromaUrl,
        MESHRAG_CONSUMER_MODEL_DIR: this.services.modelDir,
        MESHRAG_CONSUMER_GROUP_ID: groupId,
        MESHRAG_CONSUMER_COLLECTION: collection,
        MESHRAG_CONSUMER_HTTP_PORT: String(port),
        // a killed consumer's partitions go to the next one within seconds
        MESHRAG_CONSUMER_SESSION_TIMEOUT_MS: '6000',
        MESHRAG_CONSUMER_LOG_LEVEL: 'warn',
        ...env,
      },
      `http://127.0.0.1:${port}`,
    );
    this.consumers.push(consumer);
    // an exit nobody asked for (not a SIGKILL or SIGTERM from the test) is printed with the
    // consumer's last output, so a scenario that then times out says why
    consumer.process.once('exit', (code, signal) => {
      if (signal === null && code !== 0) {
        process.stderr.write(
          `reliability: consumer ${groupId} exited with ${code}:\n${consumer.output().slice(-6_000)}\n`,
        );
      }
    });
    await waitHealthy(consumer, '/health', 120_000);
    return consumer;
  }

  /** SIGKILLs a supervised service (`kafka-1`, `chroma`) and waits until its process is gone. */
  async kill(name: string): Promise<void> {
    const state = await readState(this.services.paths.stateFile);
    const record = state.services.find((s) => s.name === name);
    if (!record) throw new Error(`no running service named ${name}`);
    try {
      process.kill(-record.pid, 'SIGKILL');
    } catch {
      process.kill(record.pid, 'SIGKILL');
    }
    await waitFor(
      `${name} (pid ${record.pid}) to exit`,
      async () => {
        try {
          process.kill(record.pid, 0);
          const stat = await readFile(`/proc/${record.pid}/stat`, 'utf8').catch(() => '');
          // a zombie has exited; its parent (the supervisor) is gone, so nobody reaps it soon
          return stat.includes(') Z') || stat === '' ? true : undefined;
        } catch {
          return true;
        }
      },
      30_000,
      100,
    );
  }

  /** Starts the supervised services that are not running (same ports, same data). */
  async restart(): Promise<void> {
    await startLocalServices(this.options);
  }

  /** Stops the embedder now (SIGKILL); `restartEmbedder` brings it back on the same port. */
  async killEmbedder(): Promise<void> {
    await this.embedder.stop('SIGKILL');
  }

  async restartEmbedder(): Promise<void> {
    this.embedder = await startEmbedder(this.services.modelDir, this.embedderPort);
  }

  /** Stops everything this stack started and deletes its run directory. */
  async stop(): Promise<void> {
    for (const consumer of this.consumers) await consumer.stop('SIGKILL');
    await this.embedder.stop('SIGKILL');
    await this.harness.close().catch(() => undefined);
    await stopLocalServices({ runDir: this.runDir });
    await rm(this.runDir, { recursive: true, force: true });
  }

  /**
   * The end of a scenario, after its load has stopped: waits (up to `completeTimeoutMs`) until
   * every acknowledged record is indexed and the group has caught up, then reads what the
   * scenario reports and asserts on. A timeout does not throw: `complete` is false and the
   * figures are still read, so the report is written before the ids are compared.
   */
  async settle(options: SettleOptions): Promise<Settled> {
    const { groupId, collection, load, consumer, dlqStart, completeTimeoutMs } = options;
    const expected = this.expectedIds(load.acknowledged);
    const complete = await waitFor(
      `all ${expected.length} acknowledged records to be indexed`,
      async () => {
        const ids = new Set(await this.ids(collection));
        return expected.every((id) => ids.has(id)) ? true : undefined;
      },
      completeTimeoutMs,
    ).then(
      () => true,
      () => false,
    );
    if (complete) await this.harness.waitCaughtUp(groupId, 120_000, consumer.output);
    const ids = await this.ids(collection);
    // extra ids are checked against every record sent: an unacknowledged send may be written
    const { lost, extra } = compareIds(expected, ids, this.expectedIds(load.attempted));
    const events = await this.indexedEvents(collection);
    const reprocessed = [...events.values()].reduce((n, count) => n + (count - 1), 0);
    const letters = await readDeadLetters(this.harness.kafka, { fromOffsets: dlqStart });
    return { expected, complete, ids, lost, extra, events, reprocessed, letters };
  }

  /** Ids in the collection, or none when the consumer has not created it yet. */
  async ids(collection: string): Promise<string[]> {
    return this.harness.ids(collection).catch(() => []);
  }

  /**
   * `vectors.indexed` events of one collection, per document id: a document seen more than
   * once was processed again (after a kill, before its offset was committed).
   */
  async indexedEvents(collection: string): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const value of await readTopic(this.harness, LifecycleTopics.indexed)) {
      const event = JSON.parse(value) as { docId: string; collection: string };
      if (event.collection !== collection) continue;
      counts.set(event.docId, (counts.get(event.docId) ?? 0) + 1);
    }
    return counts;
  }
}

/** Every value of a topic up to its current end, as text. */
export async function readTopic(harness: PipelineHarness, topic: string): Promise<string[]> {
  const ends = await harness.admin.fetchTopicOffsets(topic);
  const remaining = new Map(
    ends.filter((e) => BigInt(e.high) > BigInt(e.low)).map((e) => [e.partition, BigInt(e.high)]),
  );
  if (remaining.size === 0) return [];
  const values: string[] = [];
  const consumer = harness.kafka.consumer({ groupId: `rel-reader-${randomUUID()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    let done: () => void = () => {};
    const finished = new Promise<void>((resolve) => {
      done = resolve;
    });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const end = remaining.get(partition);
        if (end === undefined || BigInt(message.offset) >= end) return;
        values.push(message.value?.toString('utf8') ?? '');
        if (BigInt(message.offset) + 1n >= end) remaining.delete(partition);
        if (remaining.size === 0) done();
      },
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      finished,
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`reading ${topic} did not reach its end in 60 s`)),
          60_000,
        );
      }),
    ]).finally(() => clearTimeout(timer));
  } finally {
    await consumer.disconnect();
  }
  return values;
}

/** Lost (expected, absent) and extra (present, not expected) ids. */
export function compareIds(
  expected: readonly string[],
  actual: readonly string[],
  allowed: readonly string[] = expected,
) {
  const have = new Set(actual);
  const allow = new Set(allowed);
  return {
    lost: expected.filter((id) => !have.has(id)),
    extra: actual.filter((id) => !allow.has(id)),
  };
}

/**
 * An HTTP proxy in front of the real embedder that answers 500 to any `/embed` request whose
 * body contains `marker`, and forwards everything else untouched: a record that makes the
 * embedder fail deterministically, which the real model never does on demand.
 */
export async function startEmbedderFaultProxy(
  targetUrl: string,
  marker: string,
): Promise<{ url: string; injected: () => number; close(): Promise<void> }> {
  const { createServer } = await import('node:http');
  let injected = 0;
  const server = createServer(async (request, response) => {
    const body: Buffer[] = [];
    for await (const chunk of request) body.push(chunk as Buffer);
    const payload = Buffer.concat(body);
    if (request.url === '/embed' && payload.includes(marker)) {
      injected++;
      response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: 'injected fault', error_type: 'backend' }));
      return;
    }
    try {
      const upstream = await fetch(`${targetUrl}${request.url}`, {
        method: request.method ?? 'GET',
        headers: { 'content-type': request.headers['content-type'] ?? 'application/json' },
        ...(payload.length > 0 ? { body: payload } : {}),
      });
      const headers: Record<string, string> = {};
      for (const name of ['content-type', 'retry-after']) {
        const value = upstream.headers.get(name);
        if (value !== null) headers[name] = value;
      }
      response.writeHead(upstream.status, headers);
      response.end(Buffer.from(await upstream.arrayBuffer()));
    } catch {
      response.destroy();
    }
  });
  const [port = 0] = await findFreePorts(1);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    injected: () => injected,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
