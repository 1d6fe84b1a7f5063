/**
 * How big one record may be, declared once and derived everywhere it matters: the envelope's
 * content limit, the topics' `max.message.bytes` (Strimzi KafkaTopics and the local broker),
 * the producers' request splitting and the consumer's fetch sizes. Each limit is computed from
 * the one before it, so raising `maxContentBytes` raises the rest, and
 * `test/unit/app/common/record-size-budget.test.ts` fails when any of them stops agreeing.
 *
 * Why the steps: an envelope is JSON, and escaping (`\n`, `\"`) can double the content, so a
 * record value may be twice the content plus room for the other fields; a dead letter is that
 * same value plus error headers; Kafka counts a whole record batch (framing, key, headers)
 * against `max.message.bytes`.
 * @see https://kafka.apache.org/documentation/#topicconfigs_max.message.bytes
 */

import type { LifecycleTopicRole } from './topics.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** Largest document content, in UTF-8 bytes. */
const maxContentBytes = 1 * MiB;

/**
 * Largest record value (a serialised envelope) for a content limit: content escaped up to 2x,
 * plus id, source, tenant and metadata (64 × (128 + 1024) characters, which quotes and newlines
 * also double; control characters escape 6x and may not fit).
 */
export function maxValueBytesFor(contentBytes: number): number {
  return 2 * contentBytes + 256 * KiB;
}

const maxValueBytes = maxValueBytesFor(maxContentBytes);

/** Largest record key: a document id is at most 256 characters, 4 UTF-8 bytes each. */
const maxKeyBytes = 1 * KiB;

/** Largest header set: the DLQ's error headers (the message is cut to 1,000 characters). */
const maxHeaderBytes = 8 * KiB;

/** Kafka's record and batch framing (varint lengths, a 61-byte batch header), rounded up. */
const framingBytes = 1 * KiB;

/**
 * The largest single record (key + value + headers + framing), before compression. Compression
 * is not counted on: an incompressible record must fit as it is.
 */
const maxRecordBytes = maxValueBytes + maxKeyBytes + maxHeaderBytes + framingBytes;

/** `max.message.bytes` of the lifecycle topics: the largest record with headroom, in 64 KiB steps. */
const maxMessageBytes = roundUp(maxRecordBytes + 32 * KiB, 64 * KiB);

/**
 * `max.message.bytes` of `documents.dlq`: a dead letter is any record `documents.parsed`
 * accepted (up to `maxMessageBytes`, also from producers other than ours) plus the error
 * headers, so the DLQ is one header allowance bigger and a copy always fits.
 */
const dlqMaxMessageBytes = roundUp(maxMessageBytes + maxHeaderBytes, 64 * KiB);

function roundUp(bytes: number, step: number): number {
  return Math.ceil(bytes / step) * step;
}

export const RecordSizeBudget = {
  maxContentBytes,
  maxValueBytes,
  maxKeyBytes,
  maxHeaderBytes,
  maxRecordBytes,
  /** Topic `max.message.bytes` (and the local broker's `message.max.bytes`). */
  maxMessageBytes,
  /** `max.message.bytes` of `documents.dlq`. */
  dlqMaxMessageBytes,
  /**
   * Largest sum of record sizes (see `recordSizeBytes`) a producer puts in one request. kafkajs
   * writes one batch per partition per request, so keeping the whole request under this keeps
   * every batch under `max.message.bytes`, even when nothing compresses (LZ4 stores an
   * incompressible block as it is, plus 15 bytes of frame).
   */
  maxRequestBytes: maxMessageBytes - 32 * KiB,
  /** The consumers' `maxBytesPerPartition`: two of the largest records per partition fetch. */
  fetchMaxBytesPerPartition: 2 * dlqMaxMessageBytes,
  /** The consumers' `maxBytes` (whole fetch response): several partitions at their largest. */
  fetchMaxBytes: 8 * dlqMaxMessageBytes,
} as const;

/** What the budget counts for a record: key, value and headers, plus framing per record. */
export function recordSizeBytes(record: {
  readonly key?: string | Buffer | null;
  readonly value: string | Buffer | null;
  readonly headers?: Readonly<Record<string, string | Buffer | undefined>>;
}): number {
  let bytes = byteLength(record.key) + byteLength(record.value) + 64;
  for (const [name, value] of Object.entries(record.headers ?? {})) {
    bytes += Buffer.byteLength(name, 'utf8') + byteLength(value) + 8;
  }
  return bytes;
}

function byteLength(value: string | Buffer | null | undefined): number {
  if (value == null) return 0;
  return typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : value.byteLength;
}

/** The size configuration a lifecycle topic carries, as Kafka spells it. */
export function lifecycleTopicSizeConfig(role: LifecycleTopicRole): {
  'max.message.bytes': number;
} {
  return { 'max.message.bytes': role === 'dlq' ? dlqMaxMessageBytes : maxMessageBytes };
}

export interface SplitBySizeOptions {
  /** @default RecordSizeBudget.maxRequestBytes */
  readonly maxBytes?: number;
  /** @default 500 */
  readonly maxCount?: number;
}

/**
 * Splits records into requests of at most `maxCount` records and `maxBytes` bytes (as
 * `recordSizeBytes` counts them), in order. A record bigger than `maxBytes` travels alone:
 * whether it fits is the topic's call (a dead letter may be larger than any input request),
 * and producers that can refuse a record say so before they get here (`meshrag ingest`).
 */
export function splitBySize<T extends Parameters<typeof recordSizeBytes>[0]>(
  records: readonly T[],
  options: SplitBySizeOptions = {},
): T[][] {
  const maxBytes = options.maxBytes ?? RecordSizeBudget.maxRequestBytes;
  const maxCount = options.maxCount ?? 500;
  if (!Number.isInteger(maxCount) || maxCount < 1) {
    throw new Error(`splitBySize: maxCount must be a positive integer, got ${maxCount}`);
  }
  const requests: T[][] = [];
  let current: T[] = [];
  let currentBytes = 0;
  for (const record of records) {
    const bytes = recordSizeBytes(record);
    if (current.length > 0 && (current.length === maxCount || currentBytes + bytes > maxBytes)) {
      requests.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(record);
    currentBytes += bytes;
  }
  if (current.length > 0) requests.push(current);
  return requests;
}
