/**
 * The records the consumer produces besides vectors: dead letters (the original record, with
 * the error in headers) and lifecycle events (small JSON documents keyed by document id).
 * Plain functions, so the exact header set is unit-tested without a broker.
 */
import { LifecycleTopics } from '../../../common/topics.js';
import { ChunkingError, errorClassOf, InvalidEnvelopeError } from '../errors.js';
import { RetriesExhaustedError } from '../retry.js';

/** A consumed record, as the pipeline sees it (a copy of what kafkajs hands over). */
export interface InputRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** Milliseconds since the epoch, as a string (Kafka's record timestamp). */
  readonly timestamp: string;
}

/** A record to produce. */
export interface OutgoingMessage {
  readonly topic: string;
  readonly key: string | Buffer | null;
  readonly value: string | Buffer | null;
  readonly headers?: Record<string, string>;
}

/** Header names on dead letters; `meshrag dlq` reads the same constants. */
export const DlqHeaders = {
  errorClass: 'meshrag.error.class',
  reason: 'meshrag.error.reason',
  message: 'meshrag.error.message',
  attempts: 'meshrag.attempts',
  originalTopic: 'meshrag.original.topic',
  originalPartition: 'meshrag.original.partition',
  originalOffset: 'meshrag.original.offset',
  originalTimestamp: 'meshrag.original.timestamp',
  failedAt: 'meshrag.failed.at',
} as const;

const MAX_HEADER_MESSAGE_CHARS = 1_000;

export interface FailureDescription {
  readonly errorClass: string;
  /** A stable, machine-readable reason: an envelope reason or `retries-exhausted` etc. */
  readonly reason: string;
  readonly message: string;
  readonly attempts: number;
}

/** Names the failure: for exhausted retries, the last underlying error is the one reported. */
export function describeFailure(error: unknown, attempts: number): FailureDescription {
  if (error instanceof RetriesExhaustedError) {
    const inner = describeFailure(error.lastError, error.attempts);
    return { ...inner, reason: 'retries-exhausted', attempts: error.attempts };
  }
  const message = error instanceof Error ? error.message : String(error);
  const reason =
    error instanceof InvalidEnvelopeError || error instanceof ChunkingError
      ? error.reason
      : (error as { retriable?: boolean })?.retriable
        ? 'retries-exhausted'
        : 'non-retriable';
  return { errorClass: errorClassOf(error), reason, message, attempts };
}

/** The dead letter for a record: its key and value untouched, the failure in headers. */
export function deadLetter(
  record: InputRecord,
  failure: FailureDescription,
  now: Date = new Date(),
): OutgoingMessage {
  return {
    topic: LifecycleTopics.dlq,
    key: record.key,
    value: record.value,
    headers: {
      [DlqHeaders.errorClass]: failure.errorClass,
      [DlqHeaders.reason]: failure.reason,
      [DlqHeaders.message]: failure.message.slice(0, MAX_HEADER_MESSAGE_CHARS),
      [DlqHeaders.attempts]: String(failure.attempts),
      [DlqHeaders.originalTopic]: record.topic,
      [DlqHeaders.originalPartition]: String(record.partition),
      [DlqHeaders.originalOffset]: record.offset,
      [DlqHeaders.originalTimestamp]: record.timestamp,
      [DlqHeaders.failedAt]: now.toISOString(),
    },
  };
}

/** `documents.failed`: a document could not be ingested (the record itself is in the DLQ). */
export function failedEvent(
  record: InputRecord,
  docId: string | undefined,
  failure: FailureDescription,
  now: Date = new Date(),
): OutgoingMessage {
  const key = docId ?? record.key?.toString('utf8') ?? null;
  return {
    topic: LifecycleTopics.failed,
    key,
    value: JSON.stringify({
      type: 'document.failed',
      docId: docId ?? null,
      ...failure,
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
      at: now.toISOString(),
    }),
  };
}

export interface EmbeddedEventArgs {
  readonly docId: string;
  readonly chunks: number;
  readonly tokens: number;
  readonly contentHash: string;
}

/** `chunks.embedded`: a document's chunks have vectors. */
export function embeddedEvent(args: EmbeddedEventArgs, now: Date = new Date()): OutgoingMessage {
  return {
    topic: LifecycleTopics.embedded,
    key: args.docId,
    value: JSON.stringify({ type: 'chunks.embedded', ...args, at: now.toISOString() }),
  };
}

export interface IndexedEventArgs {
  readonly docId: string;
  readonly chunks: number;
  readonly collection: string;
  /** True when the stored vectors already matched and nothing was re-embedded. */
  readonly unchanged: boolean;
}

/** `vectors.indexed`: a document's vectors are in Chroma and its stale chunks are gone. */
export function indexedEvent(args: IndexedEventArgs, now: Date = new Date()): OutgoingMessage {
  return {
    topic: LifecycleTopics.indexed,
    key: args.docId,
    value: JSON.stringify({ type: 'vectors.indexed', ...args, at: now.toISOString() }),
  };
}
