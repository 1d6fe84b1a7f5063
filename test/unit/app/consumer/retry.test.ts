import { describe, expect, it, vi } from 'vitest';
import {
  ConsumerError,
  DependencyUnavailableError,
  EmbedderBusyError,
  EmbedderRequestError,
  IndexWriteError,
  InvalidEnvelopeError,
  isBackpressure,
  isRetriable,
} from '../../../../app/consumer/src/errors.js';
import {
  backoffDelayMs,
  RetriesExhaustedError,
  retry,
} from '../../../../app/consumer/src/retry.js';

const fast = { initialDelayMs: 1, maxDelayMs: 2 };

describe('error classification', () => {
  it('marks network/5xx failures retriable and bad input not', () => {
    expect(isRetriable(new EmbedderRequestError('502', 502, { retriable: true }))).toBe(true);
    expect(isRetriable(new EmbedderRequestError('422', 422))).toBe(false);
    expect(isRetriable(new IndexWriteError('down', { retriable: true }))).toBe(true);
    expect(isRetriable(new InvalidEnvelopeError('invalid-json', 'x'))).toBe(false);
  });

  it('treats unknown errors as bugs, never retried', () => {
    expect(isRetriable(new TypeError('x is undefined'))).toBe(false);
    expect(isRetriable('a string')).toBe(false);
  });

  it('treats 429/503 and unreachable dependencies as backpressure', () => {
    expect(isBackpressure(new EmbedderBusyError(429, 1000, 'busy'))).toBe(true);
    expect(isBackpressure(new DependencyUnavailableError('chroma', 'down'))).toBe(true);
    expect(isBackpressure(new EmbedderRequestError('500', 500, { retriable: true }))).toBe(false);
  });

  it('carries record context', () => {
    const error = new ConsumerError('x', {
      context: { topic: 'documents.parsed', partition: 2, offset: '17' },
    });
    expect(error.context).toEqual({ topic: 'documents.parsed', partition: 2, offset: '17' });
    expect(error.retriable).toBe(false);
  });
});

describe('backoffDelayMs', () => {
  it('grows exponentially with jitter in [base/2, base], capped', () => {
    const at = (attempt: number, random: number) =>
      backoffDelayMs(attempt, { initialDelayMs: 100, maxDelayMs: 1000, random: () => random });
    expect(at(1, 0)).toBe(50);
    expect(at(1, 0.999999)).toBe(100);
    expect(at(2, 0)).toBe(100);
    expect(at(3, 0.5)).toBe(300);
    expect(at(10, 0)).toBe(500);
    expect(at(10, 0.999999)).toBe(1000);
  });
});

describe('retry', () => {
  it('retries retriable errors and returns the first success', async () => {
    const work = vi
      .fn<(attempt: number) => Promise<string>>()
      .mockRejectedValueOnce(new IndexWriteError('flaky', { retriable: true }))
      .mockResolvedValueOnce('ok');
    await expect(retry(work, fast)).resolves.toBe('ok');
    expect(work).toHaveBeenCalledTimes(2);
  });

  it('fails when every attempt failed, saying how many were made', async () => {
    const work = vi.fn(async () => {
      throw new IndexWriteError('down', { retriable: true });
    });
    const error = await retry(work, { ...fast, maxAttempts: 3 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect((error as RetriesExhaustedError).attempts).toBe(3);
    expect((error as RetriesExhaustedError).lastError).toBeInstanceOf(IndexWriteError);
    expect(work).toHaveBeenCalledTimes(3);
  });

  it('fails at once on a non-retriable error', async () => {
    const bad = new EmbedderRequestError('422 tokenizer', 422);
    const work = vi.fn(async () => {
      throw bad;
    });
    await expect(retry(work, fast)).rejects.toBe(bad);
    expect(work).toHaveBeenCalledTimes(1);
  });

  it('hands backpressure straight back instead of spinning', async () => {
    const busy = new EmbedderBusyError(429, undefined, 'busy');
    const work = vi.fn(async () => {
      throw busy;
    });
    await expect(retry(work, fast)).rejects.toBe(busy);
    expect(work).toHaveBeenCalledTimes(1);
  });

  it('fails when maxAttempts is not a positive integer', async () => {
    await expect(retry(async () => 1, { maxAttempts: 0 })).rejects.toThrow(/maxAttempts/);
  });
});
