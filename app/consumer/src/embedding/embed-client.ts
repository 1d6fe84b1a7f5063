/**
 * A client for a text-embeddings-inference compatible `POST /embed`: keep-alive connections
 * (an undici Pool), a deadline per request, retries with jittered backoff for failures that may
 * pass (network errors, 5xx, 424), and no retry for the rest (4xx: the input is wrong).
 * 429 and 503 are the embedder asking us to slow down: they come back as `EmbedderBusyError`
 * at once, so the delivery loop can pause the partition instead of spinning here.
 */
import { Pool } from 'undici';
import { DependencyUnavailableError, EmbedderBusyError, EmbedderRequestError } from '../errors.js';
import { type RetryOptions, retry } from '../retry.js';

export interface EmbedClientOptions {
  /** Base URL, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  /**
   * Keep-alive connections to the embedder.
   * @default 8
   */
  readonly connections?: number;
  /**
   * Deadline for one request (headers and body).
   * @default 30_000
   */
  readonly timeoutMs?: number;
  /**
   * Retries of a request that failed in a retriable way.
   * @default - 3 attempts, 100 ms initial backoff
   */
  readonly retry?: RetryOptions;
}

/** Limits a consumer setting must agree with. */
export interface EmbedderLimits {
  /** Inputs one request may carry (TEI `max_client_batch_size`); more are answered 413. */
  readonly maxClientBatchSize: number;
}

/** What embedding a batch needs; the pipeline depends on this, tests pass fakes. */
export interface IEmbedder {
  /** One L2-normalised vector per input, in input order. */
  embed(inputs: readonly string[]): Promise<number[][]>;
}

export class EmbedClient implements IEmbedder {
  private readonly pool: Pool;
  private readonly timeoutMs: number;
  private readonly retryOptions: RetryOptions;
  private readonly origin: string;

  constructor(options: EmbedClientOptions) {
    const url = new URL(options.url);
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.retryOptions = options.retry ?? {};
    this.origin = url.origin;
    this.pool = new Pool(url.origin, {
      connections: options.connections ?? 8,
      keepAliveTimeout: 30_000,
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
      pipelining: 1,
    });
  }

  async embed(inputs: readonly string[]): Promise<number[][]> {
    if (inputs.length === 0) return [];
    return retry(() => this.embedOnce(inputs), this.retryOptions);
  }

  /** Is the embedder up and its model loaded (`GET /health` answers 200)? */
  async healthy(): Promise<boolean> {
    try {
      const response = await this.pool.request({ path: '/health', method: 'GET' });
      await response.body.dump();
      return response.statusCode === 200;
    } catch {
      return false;
    }
  }

  /**
   * The embedder's limits from `GET /info` (TEI's field names), or undefined when it does not
   * answer with them (not up yet, or a server without `/info`).
   */
  async limits(): Promise<EmbedderLimits | undefined> {
    try {
      const response = await this.pool.request({
        path: '/info',
        method: 'GET',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      if (response.statusCode !== 200) {
        await response.body.dump();
        return undefined;
      }
      const info = (await response.body.json()) as { max_client_batch_size?: unknown };
      return typeof info.max_client_batch_size === 'number'
        ? { maxClientBatchSize: info.max_client_batch_size }
        : undefined;
    } catch {
      return undefined;
    }
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  private async embedOnce(inputs: readonly string[]): Promise<number[][]> {
    let response: Awaited<ReturnType<Pool['request']>>;
    try {
      response = await this.pool.request({
        path: '/embed',
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ inputs, normalize: true, truncate: false }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (cause) {
      if (UNREACHABLE_CODES.has(errorCode(cause))) {
        throw new DependencyUnavailableError(
          'embedder',
          `embedder at ${this.origin} is unreachable: ${(cause as Error).message}`,
          { cause },
        );
      }
      throw new EmbedderRequestError(
        `embedder request failed: ${(cause as Error).message}`,
        undefined,
        { retriable: true, cause },
      );
    }
    const { statusCode } = response;
    if (statusCode === 200) {
      let vectors: unknown;
      try {
        vectors = await response.body.json();
      } catch (cause) {
        throw new EmbedderRequestError(
          `embedder response unreadable: ${(cause as Error).message}`,
          statusCode,
          { retriable: true, cause },
        );
      }
      if (!Array.isArray(vectors) || vectors.length !== inputs.length) {
        throw new EmbedderRequestError(
          `embedder answered ${Array.isArray(vectors) ? vectors.length : typeof vectors} vectors for ${inputs.length} inputs`,
          statusCode,
          { retriable: false },
        );
      }
      return vectors as number[][];
    }
    const body = await response.body.text().catch(() => '');
    const detail = errorDetail(body);
    if (statusCode === 429 || statusCode === 503) {
      throw new EmbedderBusyError(
        statusCode,
        retryAfterMs(response.headers['retry-after']),
        `embedder is busy (${statusCode}): ${detail}`,
      );
    }
    // 424 is TEI's "backend failed": the model run broke, which may pass.
    const retriable = statusCode >= 500 || statusCode === 424 || statusCode === 408;
    throw new EmbedderRequestError(`embedder answered ${statusCode}: ${detail}`, statusCode, {
      retriable,
    });
  }
}

/** Connection-level failures: nothing was sent, the embedder is not there. */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
]);

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown; cause?: { code?: unknown } })?.code;
  if (typeof code === 'string') return code;
  const causeCode = (error as { cause?: { code?: unknown } })?.cause?.code;
  return typeof causeCode === 'string' ? causeCode : '';
}

function errorDetail(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown; error_type?: unknown };
    if (typeof parsed.error === 'string') {
      return typeof parsed.error_type === 'string'
        ? `${parsed.error_type}: ${parsed.error}`
        : parsed.error;
    }
  } catch {
    // not TEI's envelope
  }
  return body.slice(0, 200) || '(empty body)';
}

/** `Retry-After` in seconds (the HTTP-date form is not used by TEI-style servers). */
export function retryAfterMs(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined) return undefined;
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.round(seconds * 1000) : undefined;
}
