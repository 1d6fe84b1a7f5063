/**
 * The batching queue, in the style of text-embeddings-inference's `core/src/queue.rs`: requests
 * are split into their inputs, one loop owns the queue and forms each model run from the oldest
 * inputs up to `maxBatchTokens` real tokens and `maxBatchRequests` inputs, so concurrent
 * callers share runs. Admission is bounded: past `maxConcurrentRequests` requests in the system
 * a new one is refused with 429 instead of growing the queue without limit.
 */
import { NotReadyError, OverloadedError } from '../errors.js';

/**
 * What a request wants from the model for each of its sequences: the pooled vector (`/embed`)
 * or the per-token vectors (`/embed_all`). Both kinds share batches, as in TEI's queue.
 */
export type ModelOutput = 'pooled' | 'tokens';

export interface BatchQueueOptions {
  /** Runs one batch; returns each sequence's answer (of the kind in `outputs`), in order. */
  readonly runBatch: (
    sequences: readonly Int32Array[],
    outputs: readonly ModelOutput[],
  ) => Promise<Float32Array[]>;
  /** @default 16384 */
  readonly maxBatchTokens?: number;
  /** @default 32 */
  readonly maxBatchRequests?: number;
  /** @default 512 */
  readonly maxConcurrentRequests?: number;
  /** Called after every model run, for metrics. */
  readonly onBatch?: (stats: BatchStats) => void;
}

export interface BatchStats {
  readonly size: number;
  readonly tokens: number;
  readonly inferenceMs: number;
  /** How long each input of the batch waited in the queue. */
  readonly queueMs: readonly number[];
  readonly error?: Error;
}

export interface QueuedResult {
  readonly vectors: Float32Array[];
  /** From submission to the start of the request's first model run. */
  readonly queueMs: number;
  /** From the start of its first model run to the end of its last. */
  readonly inferenceMs: number;
}

interface PendingRequest {
  readonly vectors: Float32Array[];
  remaining: number;
  failed: boolean;
  readonly submittedAt: number;
  firstStartAt?: number;
  readonly resolve: (result: QueuedResult) => void;
  readonly reject: (error: Error) => void;
}

interface Entry {
  readonly request: PendingRequest;
  readonly output: ModelOutput;
  readonly index: number;
  readonly ids: Int32Array;
}

export class BatchQueue {
  readonly maxBatchTokens: number;
  readonly maxBatchRequests: number;
  readonly maxConcurrentRequests: number;
  private readonly entries: Entry[] = [];
  private head = 0;
  private admitted = 0;
  private closing = false;
  private wake: (() => void) | undefined;
  private readonly loopDone: Promise<void>;

  constructor(private readonly options: BatchQueueOptions) {
    this.maxBatchTokens = options.maxBatchTokens ?? 16_384;
    this.maxBatchRequests = options.maxBatchRequests ?? 32;
    this.maxConcurrentRequests = options.maxConcurrentRequests ?? 512;
    this.loopDone = this.loop();
  }

  /** Requests admitted and not yet answered. */
  get size(): number {
    return this.admitted;
  }

  /** Inputs waiting for a model run. */
  get depth(): number {
    return this.entries.length - this.head;
  }

  /**
   * Queues one request's sequences and resolves with their vectors, in order.
   * @throws OverloadedError when `maxConcurrentRequests` requests are already admitted
   * @throws NotReadyError once `close()` was called
   */
  submit(sequences: readonly Int32Array[], output: ModelOutput = 'pooled'): Promise<QueuedResult> {
    if (this.closing) return Promise.reject(new NotReadyError('the embedder is shutting down'));
    if (this.admitted >= this.maxConcurrentRequests) {
      return Promise.reject(
        new OverloadedError(
          `model is overloaded: ${this.admitted} requests are queued or running (maxConcurrentRequests ${this.maxConcurrentRequests})`,
        ),
      );
    }
    this.admitted++;
    return new Promise<QueuedResult>((resolve, reject) => {
      const request: PendingRequest = {
        vectors: new Array(sequences.length),
        remaining: sequences.length,
        failed: false,
        submittedAt: performance.now(),
        resolve,
        reject,
      };
      sequences.forEach((ids, index) => {
        this.entries.push({ request, output, index, ids });
      });
      this.wake?.();
    }).finally(() => {
      this.admitted--;
    });
  }

  /** Refuses new requests, finishes every admitted one, then stops the loop. */
  async close(): Promise<void> {
    this.closing = true;
    this.wake?.();
    await this.loopDone;
  }

  private async loop(): Promise<void> {
    for (;;) {
      if (this.depth === 0) {
        if (this.closing) return;
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        this.wake = undefined;
        continue;
      }
      await this.runNextBatch();
    }
  }

  /** Takes the oldest inputs that fit the caps (at least one) and runs them as one batch. */
  private async runNextBatch(): Promise<void> {
    const batch: Entry[] = [];
    let tokens = 0;
    while (this.head < this.entries.length && batch.length < this.maxBatchRequests) {
      const entry = this.entries[this.head] as Entry;
      if (entry.request.failed) {
        this.head++;
        continue;
      }
      if (batch.length > 0 && tokens + entry.ids.length > this.maxBatchTokens) break;
      batch.push(entry);
      tokens += entry.ids.length;
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries.splice(0, this.head);
      this.head = 0;
    }
    if (batch.length === 0) return;

    const startedAt = performance.now();
    const queueMs = batch.map((entry) => startedAt - entry.request.submittedAt);
    for (const entry of batch) entry.request.firstStartAt ??= startedAt;
    let vectors: Float32Array[] | undefined;
    let error: Error | undefined;
    try {
      vectors = await this.options.runBatch(
        batch.map((entry) => entry.ids),
        batch.map((entry) => entry.output),
      );
    } catch (cause) {
      error = cause as Error;
    }
    const endedAt = performance.now();
    this.options.onBatch?.({
      size: batch.length,
      tokens,
      inferenceMs: endedAt - startedAt,
      queueMs,
      ...(error ? { error } : {}),
    });

    batch.forEach((entry, k) => {
      const request = entry.request;
      if (request.failed) return;
      if (error || !vectors) {
        request.failed = true;
        request.reject(error ?? new Error('the backend returned no vectors'));
        return;
      }
      request.vectors[entry.index] = vectors[k] as Float32Array;
      if (--request.remaining === 0) {
        const firstStartAt = request.firstStartAt ?? startedAt;
        request.resolve({
          vectors: request.vectors,
          queueMs: firstStartAt - request.submittedAt,
          inferenceMs: endedAt - firstStartAt,
        });
      }
    });
  }
}
