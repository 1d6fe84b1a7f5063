/**
 * `meshrag ingest <file.jsonl> [--raw]`: one record per line on `documents.parsed`, keyed by
 * document id. Each line is validated against the envelope and checked against the record size
 * budget before anything is sent; a line that cannot go (bad JSON, a schema violation, too big)
 * is rejected with its line number, document id and size, the others are sent, and the command
 * ends with a summary and exit status 1. `--raw` sends each line's bytes exactly as they are, so
 * the consumer's own validation and the dead-letter path can be exercised; only a line bigger
 * than the topic could take is rejected then. Requests are split by bytes as well as by count
 * (`RecordSizeBudget`), so the broker never has to refuse one.
 */
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { encodeEnvelope, InvalidEnvelopeError } from '../../app/common/envelope.js';
import {
  type Admin,
  createKafka,
  ensureTopics,
  javaCompatiblePartitioner,
} from '../../app/common/kafka.js';
import { RecordSizeBudget, splitBySize } from '../../app/common/record-size-budget.js';
import { allLifecycleTopics, LifecycleTopics } from '../../app/common/topics.js';
import { action } from '../command-action.js';
import { brokersOf, type PipelineConnection, withPipelineOptions } from '../pipeline-options.js';

interface IngestOptions extends PipelineConnection {
  readonly raw: boolean;
  readonly batch: string;
  readonly wait: boolean;
  readonly timeout: string;
}

/** A non-blank line of the input file, as bytes, with its 1-based line number. */
export interface NumberedLine {
  readonly lineNumber: number;
  readonly bytes: Buffer;
}

/** The file's lines as bytes (no decoding, so --raw keeps invalid UTF-8), empty ones dropped. */
export function splitLines(bytes: Buffer): NumberedLine[] {
  const lines: NumberedLine[] = [];
  let start = 0;
  let lineNumber = 1;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 0x0a) {
      let end = i;
      if (end > start && bytes[end - 1] === 0x0d) end--;
      const line = bytes.subarray(start, end);
      if (line.toString('latin1').trim() !== '') lines.push({ lineNumber, bytes: line });
      start = i + 1;
      lineNumber++;
    }
  }
  return lines;
}

/** A record ready to send. */
export interface IngestRecord {
  readonly lineNumber: number;
  readonly key: string | null;
  readonly value: Buffer;
}

/** A line that is not sent, and why. */
export interface IngestRejection {
  readonly lineNumber: number;
  /** The document id, when the line has one. */
  readonly id: string | null;
  /** Size of the line in the file, in bytes. */
  readonly lineBytes: number;
  /** An envelope reason (`oversized`, `schema-violation`, `invalid-json`, ...). */
  readonly reason: string;
  readonly message: string;
}

export interface PreparedIngest {
  readonly records: IngestRecord[];
  readonly rejections: IngestRejection[];
}

/**
 * Validates and encodes each line (or, with `raw`, keeps it as it is) and checks it against
 * `RecordSizeBudget`: what comes back as a record is something the topic accepts.
 */
export function prepareIngest(
  lines: readonly NumberedLine[],
  options: { raw: boolean },
): PreparedIngest {
  const records: IngestRecord[] = [];
  const rejections: IngestRejection[] = [];
  for (const { lineNumber, bytes } of lines) {
    const reject = (id: string | null, reason: string, message: string) =>
      rejections.push({ lineNumber, id, lineBytes: bytes.byteLength, reason, message });
    if (options.raw) {
      const key = rawKey(bytes);
      const refusal = rawSizeRefusal(key, bytes);
      if (refusal) reject(key, 'oversized', refusal);
      else records.push({ lineNumber, key, value: bytes });
      continue;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(bytes.toString('utf8'));
    } catch (error) {
      reject(null, 'invalid-json', `not JSON: ${(error as Error).message}`);
      continue;
    }
    const id = idOf(parsed);
    let value: Buffer;
    try {
      value = encodeEnvelope(parsed);
    } catch (error) {
      const reason = error instanceof InvalidEnvelopeError ? error.reason : 'schema-violation';
      reject(id, reason, (error as Error).message);
      continue;
    }
    if (value.byteLength > RecordSizeBudget.maxValueBytes) {
      // Content within the limit can still escape (\n, \u0001) to a record the topic refuses.
      reject(
        id,
        'oversized',
        `the encoded envelope is ${value.byteLength} bytes; a record may be at most ${RecordSizeBudget.maxValueBytes} bytes (JSON escapes in the content count)`,
      );
      continue;
    }
    records.push({ lineNumber, key: id, value });
  }
  return { records, rejections };
}

function idOf(value: unknown): string | null {
  const id = (value as { id?: unknown } | null)?.id;
  return typeof id === 'string' && id !== '' ? id : null;
}

/** Key of a raw line: its `id` when it parses, else none (Kafka then spreads such records). */
function rawKey(line: Buffer): string | null {
  try {
    return idOf(JSON.parse(line.toString('utf8')));
  } catch {
    return null;
  }
}

function rawSizeRefusal(key: string | null, value: Buffer): string | undefined {
  if (value.byteLength > RecordSizeBudget.maxValueBytes) {
    return `the line is ${value.byteLength} bytes; a record may be at most ${RecordSizeBudget.maxValueBytes} bytes`;
  }
  const keyBytes = key === null ? 0 : Buffer.byteLength(key, 'utf8');
  if (keyBytes > RecordSizeBudget.maxKeyBytes) {
    return `the id is ${keyBytes} bytes; a key may be at most ${RecordSizeBudget.maxKeyBytes} bytes`;
  }
  return undefined;
}

/** `1.2 MiB`, `830 KiB`, `12 B`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(bytes < 10 * 1024 ? 1 : 0)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

/** The end-of-run report: what was sent, and each rejected line with its reason. */
export function ingestSummary(
  file: string,
  sent: { records: number; bytes: number; requests: number; raw: boolean },
  rejections: readonly IngestRejection[],
  maxListed = 50,
): string {
  const lines = [
    `meshrag: sent ${sent.records} record(s), ${formatBytes(sent.bytes)} in ${sent.requests} request(s), to ${LifecycleTopics.parsed}${sent.raw ? ' (raw)' : ''}`,
  ];
  if (rejections.length > 0) {
    const byReason = new Map<string, number>();
    for (const r of rejections) byReason.set(r.reason, (byReason.get(r.reason) ?? 0) + 1);
    lines.push(
      `meshrag: rejected ${rejections.length} line(s), not sent (${[...byReason].map(([reason, n]) => `${reason}: ${n}`).join(', ')}):`,
    );
    for (const r of rejections.slice(0, maxListed)) {
      const id = r.id === null ? '' : ` id ${JSON.stringify(r.id.slice(0, 80))}`;
      lines.push(
        `  ${file}:${r.lineNumber}${id} (${r.lineBytes} bytes): ${r.reason}: ${r.message}`,
      );
    }
    if (rejections.length > maxListed) lines.push(`  … and ${rejections.length - maxListed} more`);
  }
  return `${lines.join('\n')}\n`;
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
      .option(
        '--batch <n>',
        'at most this many records per produce request (requests are also kept under the size budget)',
        '500',
      )
      .option('--wait', 'wait until the consumer group has processed every record sent', false)
      .option('--timeout <s>', 'how long --wait waits, in seconds', '600'),
  ).action(
    action(async (file: string, options: IngestOptions) => {
      const { records, rejections } = prepareIngest(splitLines(await readFile(file)), {
        raw: options.raw,
      });
      const maxCount = Number(options.batch);
      if (!Number.isInteger(maxCount) || maxCount < 1) {
        throw new Error(`--batch must be a positive integer, got ${JSON.stringify(options.batch)}`);
      }
      const requests = splitBySize(records, { maxCount });
      const totalBytes = records.reduce((sum, r) => sum + r.value.byteLength, 0);
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
        format:
          'ingest [{bar}] {value}/{total} records | {sentBytes}/{totalBytes} | {eta_formatted} left',
        stream: process.stderr,
        noTTYOutput: false,
        hideCursor: true,
      });
      let sentBytes = 0;
      let sentRecords = 0;
      let sentRequests = 0;
      try {
        await ensureTopics(admin, allLifecycleTopics);
        bar.start(records.length, 0, {
          sentBytes: formatBytes(0),
          totalBytes: formatBytes(totalBytes),
        });
        for (const request of requests) {
          await producer.send({
            topic: LifecycleTopics.parsed,
            acks: -1,
            messages: request.map(({ key, value }) => ({ key, value })),
          });
          sentRequests++;
          sentRecords += request.length;
          sentBytes += request.reduce((sum, r) => sum + r.value.byteLength, 0);
          bar.increment(request.length, { sentBytes: formatBytes(sentBytes) });
        }
        bar.stop();
        if (options.wait && sentRecords > 0)
          await waitProcessed(admin, options.groupId, Number(options.timeout) * 1000);
      } finally {
        bar.stop();
        process.stderr.write(
          ingestSummary(
            file,
            { records: sentRecords, bytes: sentBytes, requests: sentRequests, raw: options.raw },
            rejections,
          ),
        );
        await producer.disconnect();
        await admin.disconnect();
      }
      if (rejections.length > 0) {
        throw new Error(
          `${rejections.length} of ${records.length + rejections.length} line(s) rejected (listed above); the other ${records.length} were sent`,
        );
      }
    }),
  );
}
