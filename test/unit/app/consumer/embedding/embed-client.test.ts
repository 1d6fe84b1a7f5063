import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { EmbedClient } from '../../../../../app/consumer/src/embedding/embed-client.js';
import {
  DependencyUnavailableError,
  EmbedderBusyError,
  EmbedderRequestError,
} from '../../../../../app/consumer/src/errors.js';
import { RetriesExhaustedError } from '../../../../../app/consumer/src/retry.js';

type Reply = { status: number; body: unknown; headers?: Record<string, string> };
let server: Server | undefined;
let client: EmbedClient | undefined;

/** A TEI-shaped server answering with the given replies in turn (the last one repeats). */
async function serve(replies: Reply[]): Promise<{ url: string; requests: unknown[] }> {
  const requests: unknown[] = [];
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      requests.push(JSON.parse(body));
      const reply = replies[Math.min(requests.length - 1, replies.length - 1)] as Reply;
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

function clientFor(url: string): EmbedClient {
  client = new EmbedClient({ url, retry: { initialDelayMs: 1, maxDelayMs: 2 } });
  return client;
}

afterEach(async () => {
  await client?.close();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
});

describe('EmbedClient', () => {
  it('posts TEI /embed and returns the vectors in order', async () => {
    const { url, requests } = await serve([
      {
        status: 200,
        body: [
          [1, 0],
          [0, 1],
        ],
      },
    ]);
    await expect(clientFor(url).embed(['a', 'b'])).resolves.toEqual([
      [1, 0],
      [0, 1],
    ]);
    expect(requests).toEqual([{ inputs: ['a', 'b'], normalize: true, truncate: false }]);
  });

  it('retries a 5xx and succeeds', async () => {
    const { url, requests } = await serve([
      { status: 500, body: { error: 'boom', error_type: 'backend' } },
      { status: 200, body: [[1]] },
    ]);
    await expect(clientFor(url).embed(['a'])).resolves.toEqual([[1]]);
    expect(requests).toHaveLength(2);
  });

  it('fails when a 5xx persists, after 3 attempts', async () => {
    const { url, requests } = await serve([
      { status: 424, body: { error: 'x', error_type: 'backend' } },
    ]);
    const error = await clientFor(url)
      .embed(['a'])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect(requests).toHaveLength(3);
  });

  it('fails at once on 4xx, with the error envelope in the message', async () => {
    const { url, requests } = await serve([
      { status: 413, body: { error: 'batch size 500 > 128', error_type: 'validation' } },
    ]);
    const error = await clientFor(url)
      .embed(['a'])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmbedderRequestError);
    expect((error as EmbedderRequestError).status).toBe(413);
    expect((error as Error).message).toContain('validation: batch size 500 > 128');
    expect(requests).toHaveLength(1);
  });

  it('surfaces 429 and 503 as backpressure at once, with Retry-After', async () => {
    const { url, requests } = await serve([
      {
        status: 429,
        body: { error: 'queue full', error_type: 'overloaded' },
        headers: { 'retry-after': '2' },
      },
    ]);
    const error = await clientFor(url)
      .embed(['a'])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmbedderBusyError);
    expect((error as EmbedderBusyError).retryAfterMs).toBe(2000);
    expect(requests).toHaveLength(1);
  });

  it('fails when the embedder is unreachable, as a dependency outage', async () => {
    const { url } = await serve([{ status: 200, body: [] }]);
    await new Promise((r) => server?.close(r));
    server = undefined;
    const error = await clientFor(url)
      .embed(['a'])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DependencyUnavailableError);
  });

  it('fails when the answer has the wrong number of vectors', async () => {
    const { url } = await serve([{ status: 200, body: [[1]] }]);
    await expect(clientFor(url).embed(['a', 'b'])).rejects.toThrow(/1 vectors for 2 inputs/);
  });
});
