/**
 * Retries retriable work with exponential backoff and full jitter. Programming errors and
 * non-retriable errors fail at once; backpressure is handed back to the caller untouched,
 * because the right answer to "slow down" is to pause the partition, not to spin here.
 * @see https://github.com/tulios/kafkajs/blob/master/src/retry/index.js
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { isBackpressure, isRetriable } from './errors.js';

export interface RetryOptions {
  /**
   * Attempts in all, the first included.
   * @default 3
   */
  readonly maxAttempts?: number;
  /** @default 100 */
  readonly initialDelayMs?: number;
  /** @default 5_000 */
  readonly maxDelayMs?: number;
  /** @default 2 */
  readonly factor?: number;
  /** Source of randomness in [0, 1); injected by tests. @default Math.random */
  readonly random?: () => number;
  /** Called before each wait, e.g. to log or heartbeat. */
  readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void | Promise<void>;
  readonly signal?: AbortSignal;
}

/** Thrown when every attempt failed; `attempts` says how many were made. */
export class RetriesExhaustedError extends Error {
  override readonly name = 'RetriesExhaustedError';
  constructor(
    readonly lastError: unknown,
    readonly attempts: number,
  ) {
    super(
      `gave up after ${attempts} attempt(s): ${lastError instanceof Error ? lastError.message : String(lastError)}`,
      { cause: lastError },
    );
  }
}

/**
 * The wait before retry `attempt` (1-based count of failures so far): a uniformly random
 * value in [base/2, base], base = min(maxDelay, initial * factor^(attempt-1)). Half-jitter keeps
 * retries spread out without ever retrying immediately.
 */
export function backoffDelayMs(attempt: number, options: RetryOptions = {}): number {
  const initial = options.initialDelayMs ?? 100;
  const max = options.maxDelayMs ?? 5_000;
  const factor = options.factor ?? 2;
  const random = options.random ?? Math.random;
  const base = Math.min(max, initial * factor ** Math.max(0, attempt - 1));
  return Math.round(base / 2 + random() * (base / 2));
}

/**
 * Runs `work` until it succeeds, fails with a non-retriable error (rethrown as is), signals
 * backpressure (rethrown as is) or uses up its attempts (`RetriesExhaustedError`).
 */
export async function retry<T>(
  work: (attempt: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const maxAttempts = options.maxAttempts ?? 3;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new Error(`retry: maxAttempts must be an integer >= 1, got ${maxAttempts}`);
  }
  for (let attempt = 1; ; attempt++) {
    try {
      return await work(attempt);
    } catch (error) {
      if (isBackpressure(error) || !isRetriable(error)) throw error;
      if (attempt >= maxAttempts) throw new RetriesExhaustedError(error, attempt);
      const delayMs = backoffDelayMs(attempt, options);
      await options.onRetry?.(error, attempt, delayMs);
      await sleep(delayMs, undefined, options.signal ? { signal: options.signal } : undefined);
    }
  }
}
