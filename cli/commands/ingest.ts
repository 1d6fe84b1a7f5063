/**
 * `meshrag ingest <file.jsonl> [--raw]`: one record per line on `documents.parsed`, keyed by
 * document id. Lines are validated against the envelope first (nothing is sent if one is
 * bad); `--raw` sends each line's bytes exactly as they are, so the consumer's own validation
 * and the dead-letter path can be exercised.
 */
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { encodeEnvelope } from '../../app/common/envelope.js';
import {
  type Admin,
  createKafka,
  ensureTopics,
  javaCompatiblePartitioner,
} from '../../app/common/kafka.js';
import { allLifecycleTopics, LifecycleTopics } from '../../app/common/topics.js';
import { action } from '../command-action.js';
import { brokersOf, type PipelineConnection, withPipelineOptions } from '../pipeline-options.js';

interface IngestOptions extends PipelineConnection {
  readonly raw: boolean;
  readonly batch: string;
  readonly wait: boolean;
  readonly timeout: string;
}

/** The file's lines as bytes (no decoding, so --raw keeps invalid UTF-8), empty ones dropped. */
export function splitLines(bytes: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 0x0a) {
      let end = i;
      if (end > start && bytes[end - 1] === 0x0d) end--;
      const line = bytes.subarray(start, end);
      if (line.toString('latin1').trim() !== '') lines.push(line);
      start = i + 1;
    }
  }
  return lines;
}

/** Key of a raw line: its `id` when it parses, else none (Kafka then spreads such records). */
function rawKey(line: Buffer): string | null {
  try {
    const id = (JSON.parse(line.toString('utf8')) as { id?: unknown }).id;
    return typeof id === 'string' && id !== '' ? id : null;
  } catch {
    return null;
  }
}

/** Waits, with progress, until `groupId` has committed up to the current end of the topic. */
async function waitProcessed(admin: Admin, groupId: string, timeoutMs: number): Promise<void> {
  const ends = await admin.fetchTopicOffsets(LifecycleTopics.parsed);
  const behind = async (): Promise<number> => {
    const [committed] = await admin.fetchOffsets({ groupId, topics: [LifecycleTopics.parsed] });
    let lag = 0;
    for (const end of ends) {
      const offset = Number(
        committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1',
      );
      lag += Math.max(0, Number(end.high) - (offset >= 0 ? offset : Number(end.low)));
    }
    return lag;
  };
  const total = await behind();
  const bar = new SingleBar({
    format: 'index  [{bar}] {value}/{total} records processed by the consumer | {duration}s',
    stream: process.stderr,
    hideCursor: true,
  });
  bar.start(total, 0);
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      const lag = await behind();
      bar.update(total - lag);
      if (lag === 0) break;
      if (Date.now() > deadline) {
        throw new Error(
          `consumer group ${groupId} still has ${lag} record(s) to process after ${timeoutMs / 1000} s; is the consumer running (\`meshrag local status\`)?`,
        );
      }
      await sleep(500);
    }
  } finally {
    bar.stop();
  }
}

export function registerIngestCommand(program: Command): void {
  withPipelineOptions(
    program
      .command('ingest')
      .description('produce the documents of a JSON Lines file to documents.parsed, one per line')
      .argument('<file>', 'JSON Lines: {"id": "...", "content": "..."} per line')
      .option('--raw', "send each line's bytes as they are, unvalidated", false)
      .option('--batch <n>', 'records per produce request', '500')
      .option('--wait', 'wait until the consumer group has processed every record sent', false)
      .option('--timeout <s>', 'how long --wait waits, in seconds', '600'),
  ).action(
    action(async (file: string, options: IngestOptions) => {
      const lines = splitLines(await readFile(file));
      const messages: { key: string | null; value: Buffer }[] = [];
      const problems: string[] = [];
      lines.forEach((line, i) => {
        if (options.raw) {
          messages.push({ key: rawKey(line), value: line });
          return;
        }
        try {
          const value = encodeEnvelope(JSON.parse(line.toString('utf8')));
          messages.push({ key: (JSON.parse(value.toString('utf8')) as { id: string }).id, value });
        } catch (error) {
          problems.push(`${file}:${i + 1}: ${(error as Error).message}`);
        }
      });
      if (problems.length > 0) {
        throw new Error(
          `${problems.length} invalid line(s), nothing sent (use --raw to send them anyway):\n  ${problems.slice(0, 20).join('\n  ')}`,
        );
      }
      const kafka = createKafka({
        brokers: brokersOf(options),
        clientId: 'meshrag-cli',
        logLevel: 'ERROR',
      });
      const admin = kafka.admin();
      const producer = kafka.producer({ createPartitioner: javaCompatiblePartitioner });
      await admin.connect();
      await producer.connect();
      const bar = new SingleBar({
        format: 'ingest [{bar}] {value}/{total} records | {eta_formatted} left',
        stream: process.stderr,
        noTTYOutput: false,
        hideCursor: true,
      });
      try {
        await ensureTopics(admin, allLifecycleTopics);
        bar.start(messages.length, 0);
        const batch = Math.max(1, Number(options.batch) || 500);
        for (let i = 0; i < messages.length; i += batch) {
          const slice = messages.slice(i, i + batch);
          await producer.send({ topic: LifecycleTopics.parsed, acks: -1, messages: slice });
          bar.increment(slice.length);
        }
        bar.stop();
        process.stderr.write(
          `meshrag: sent ${messages.length} record(s) to ${LifecycleTopics.parsed}${options.raw ? ' (raw)' : ''}\n`,
        );
        if (options.wait)
          await waitProcessed(admin, options.groupId, Number(options.timeout) * 1000);
      } finally {
        bar.stop();
        await producer.disconnect();
        await admin.disconnect();
      }
    }),
  );
}
