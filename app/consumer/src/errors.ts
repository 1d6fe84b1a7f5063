/**
 * Every error the consumer raises, in one place. Each carries `retriable` (may the same work
 * succeed if tried again?) and, once known, the record it was about, so the retry helper and
 * the dead-letter path decide from the error alone.
 * @see https://github.com/tulios/kafkajs/blob/master/src/errors.js the model for this module
 */
import { InvalidEnvelopeError } from '../../common/envelope.js';

export { InvalidEnvelopeError };

/** Where a record lives; attached to errors and log lines. */
export interface RecordContext {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

export interface ConsumerErrorOptions {
  /** @default false */
  readonly retriable?: boolean;
  readonly cause?: unknown;
  readonly context?: RecordContext;
}

export class ConsumerError extends Error {
  override name = 'ConsumerError';
  readonly retriable: boolean;
  context: RecordContext | undefined;
  constructor(message: string, options: ConsumerErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retriable = options.retriable ?? false;
    this.context = options.context;
  }
}

/** Configuration refused at boot; the message names the variable and the fix. */
export class ConsumerConfigError extends ConsumerError {
  override name = 'ConsumerConfigError';
}

/**
 * The embedder said "not now" (429 overloaded, 503 not ready). Not a failure of the record:
 * the delivery loop pauses the partition and resumes after `retryAfterMs`.
 */
export class EmbedderBusyError extends ConsumerError {
  override name = 'EmbedderBusyError';
  constructor(
    readonly status: number,
    readonly retryAfterMs: number | undefined,
    message: string,
  ) {
    super(message, { retriable: true });
  }
}

/** The embedder answered with an error status, or not at all (network, timeout). */
export class EmbedderRequestError extends ConsumerError {
  override name = 'EmbedderRequestError';
  constructor(
    message: string,
    readonly status: number | undefined,
    options: ConsumerErrorOptions = {},
  ) {
    super(message, options);
  }
}

/**
 * A service the consumer needs (embedder, Chroma) cannot be reached at all. Like 429/503 this
 * says nothing about the record, so it pauses the partition instead of using up the record's
 * attempts: an outage must not send every document to the DLQ.
 */
export class DependencyUnavailableError extends ConsumerError {
  override name = 'DependencyUnavailableError';
  constructor(
    readonly dependency: 'embedder' | 'chroma',
    message: string,
    options: { readonly cause?: unknown; readonly retryAfterMs?: number } = {},
  ) {
    super(message, { retriable: true, cause: options.cause });
    this.retryAfterMs = options.retryAfterMs;
  }
  readonly retryAfterMs: number | undefined;
}

/** Chroma refused or failed a write. */
export class IndexWriteError extends ConsumerError {
  override name = 'IndexWriteError';
}

/** Producing a lifecycle event or a dead letter failed. */
export class ProduceError extends ConsumerError {
  override name = 'ProduceError';
}

/** Why a document cannot be chunked; stable strings, they end up in DLQ headers and metrics. */
export type ChunkingErrorReason =
  /** Over the per-record budget (chunks, or chunking time): DLQ'd so the partition moves on. */
  | 'too-complex'
  /** Nothing the model can read (only control or zero-width characters). */
  | 'no-tokens';

/** A document that cannot be chunked; the same content fails again, so never retried. */
export class ChunkingError extends ConsumerError {
  override name = 'ChunkingError';
  constructor(
    readonly reason: ChunkingErrorReason,
    message: string,
  ) {
    super(message, { retriable: false });
  }
}

/** True when trying the same work again may succeed. Unknown errors are treated as bugs. */
export function isRetriable(error: unknown): boolean {
  if (error instanceof ConsumerError) return error.retriable;
  if (error instanceof InvalidEnvelopeError) return false;
  return false;
}

/** True for "slow down" signals, which are not counted as failed attempts. */
export function isBackpressure(
  error: unknown,
): error is EmbedderBusyError | DependencyUnavailableError {
  return error instanceof EmbedderBusyError || error instanceof DependencyUnavailableError;
}

// kafkajs' own list (its isRebalancing) plus UNKNOWN_MEMBER_ID: the member lost its partitions.
const MEMBERSHIP_LOST = new Set([
  'REBALANCE_IN_PROGRESS',
  'NOT_COORDINATOR_FOR_GROUP',
  'ILLEGAL_GENERATION',
  'UNKNOWN_MEMBER_ID',
]);

/**
 * True when the group is rebalancing away this member's partitions (seen on a heartbeat or a
 * commit). The batch must stop uncommitted and the error reach kafkajs, which rejoins; the next
 * owner processes the records again. It says nothing about the documents, so it never sends one
 * to the DLQ.
 */
export function isMembershipLost(error: unknown): boolean {
  const type = (error as { type?: unknown } | null)?.type;
  return typeof type === 'string' && MEMBERSHIP_LOST.has(type);
}

/** The class name recorded in DLQ headers and metrics. */
export function errorClassOf(error: unknown): string {
  if (error instanceof Error) return error.name;
  return typeof error;
}
