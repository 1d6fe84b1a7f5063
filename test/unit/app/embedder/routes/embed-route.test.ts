import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbedderApp } from '../../../../../app/embedder/src/app.js';
import { onnxBackendFactory } from '../../../../../app/embedder/src/embedder.js';
import { buildTestApp, cosine, norm } from '../../../../helpers/embedder-app.js';
import { failingBackend, heldBackend } from '../fake-backends.js';

const LONG_TEXT = 'The embedder truncates long inputs at the model limit. '.repeat(40);

describe('POST /embed', () => {
  let app: EmbedderApp;
  const runs: number[] = [];

  beforeAll(async () => {
    app = await buildTestApp({
      config: { maxClientBatchSize: 64, bodyLimitBytes: 64 * 1024 },
      createBackend: async (files, config) => {
        const real = await onnxBackendFactory(files, config);
        return {
          info: real.info,
          embed: (sequences) => {
            runs.push(sequences.length);
            return real.embed(sequences);
          },
          embedTokens: (sequences) => real.embedTokens(sequences),
          isAlive: () => real.isAlive(),
          close: () => real.close(),
        };
      },
    });
    // The fp32 graph is 90 MB: a second alone, tens of seconds on a loaded two-core machine.
  }, 120_000);
  afterAll(async () => {
    await app.close();
  });

  const embed = (payload: unknown) =>
    app.inject({ method: 'POST', url: '/embed', payload: payload as object });

  it('embeds one string into a 384-dim unit vector with TEI timing headers', async () => {
    const response = await embed({ inputs: 'A man is eating food.' });
    expect(response.statusCode).toBe(200);
    const vectors = response.json<number[][]>();
    expect(vectors).toHaveLength(1);
    expect(vectors[0]).toHaveLength(384);
    expect(norm(vectors[0] as number[])).toBeCloseTo(1, 5);
    for (const header of [
      'x-queue-time',
      'x-inference-time',
      'x-tokenization-time',
      'x-total-time',
    ]) {
      expect(Number(response.headers[header])).toBeGreaterThanOrEqual(0);
    }
    expect(response.headers['x-compute-tokens']).toBe('8');
    expect(response.headers['x-compute-type']).toBe('cpu');
  });

  it('keeps input order and ranks related sentences closer', async () => {
    const inputs = [
      'A man is eating food.',
      'A monkey is playing drums.',
      'A man is eating a piece of bread.',
    ];
    const [food, drums, bread] = (await embed({ inputs })).json<number[][]>() as [
      number[],
      number[],
      number[],
    ];
    expect(cosine(food, bread)).toBeGreaterThan(cosine(food, drums));
    const [single] = (await embed({ inputs: inputs[1] })).json<number[][]>() as [number[]];
    expect(cosine(single, drums)).toBeGreaterThan(0.99999);
  });

  it('returns the un-normalised mean-pooled vector when normalize is false', async () => {
    const [raw] = (await embed({ inputs: 'hello world', normalize: false })).json<number[][]>() as [
      number[],
    ];
    const [unit] = (await embed({ inputs: 'hello world' })).json<number[][]>() as [number[]];
    expect(Math.abs(norm(raw) - 1)).toBeGreaterThan(0.01);
    expect(cosine(raw, unit)).toBeGreaterThan(0.99999);
    raw.forEach((value, i) => {
      expect(value / norm(raw)).toBeCloseTo(unit[i] as number, 5);
    });
  });

  it('truncates past 256 tokens by default, so text after the limit does not matter', async () => {
    const response = await embed({
      inputs: [LONG_TEXT, `${LONG_TEXT} completely different ending`],
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['x-compute-tokens']).toBe('512');
    const [a, b] = response.json<number[][]>() as [number[], number[]];
    expect(cosine(a, b)).toBeGreaterThan(0.99999);
  });

  it('embeds whitespace-only and emoji-only inputs', async () => {
    const response = await embed({ inputs: ['   ', '😀🎉', '\n\t'] });
    expect(response.statusCode).toBe(200);
    expect(response.json<number[][]>()).toHaveLength(3);
  });

  it('merges concurrent requests into shared model runs', async () => {
    runs.length = 0;
    const responses = await Promise.all(
      Array.from({ length: 16 }, (_, i) => embed({ inputs: `concurrent sentence number ${i}` })),
    );
    expect(responses.every((r) => r.statusCode === 200)).toBe(true);
    expect(runs.reduce((a, b) => a + b, 0)).toBe(16);
    expect(runs.length).toBeLessThan(16);
  });

  it('fails when inputs is an empty array (400 empty)', async () => {
    const response = await embed({ inputs: [] });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error: '`inputs` cannot be empty', error_type: 'empty' });
  });

  it('fails when an input is an empty string (400 empty)', async () => {
    for (const inputs of ['', ['fine', '']]) {
      const response = await embed({ inputs });
      expect(response.statusCode).toBe(400);
      expect(response.json().error_type).toBe('empty');
    }
  });

  it('fails when an input is longer than the model limit and truncate is false (413)', async () => {
    const response = await embed({ inputs: LONG_TEXT, truncate: false });
    expect(response.statusCode).toBe(413);
    expect(response.json()).toMatchObject({ error_type: 'validation' });
    expect(response.json().error).toMatch(/at most 256/);
  });

  it('fails when a request carries more inputs than maxClientBatchSize (413), even 10,000', async () => {
    const response = await embed({ inputs: Array.from({ length: 10_000 }, () => 'x') });
    expect(response.statusCode).toBe(413);
    expect(response.json()).toEqual({
      error: 'batch size 10000 > maximum allowed batch size 64',
      error_type: 'validation',
    });
  });

  it('fails when the body is larger than the body limit (413)', async () => {
    const response = await embed({ inputs: 'y'.repeat(70 * 1024) });
    expect(response.statusCode).toBe(413);
    expect(response.json().error_type).toBe('validation');
  });

  it('fails when inputs are not strings (422)', async () => {
    for (const inputs of [5, [1, 2], ['ok', null], { text: 'x' }, true]) {
      const response = await embed({ inputs });
      expect(response.statusCode, JSON.stringify(inputs)).toBe(422);
      expect(response.json().error_type).toBe('validation');
    }
  });

  it('fails when inputs is missing or normalize is not a boolean (422)', async () => {
    expect((await embed({ input: 'x' })).statusCode).toBe(422);
    expect((await embed({ inputs: 'x', normalize: 'yes' })).statusCode).toBe(422);
  });

  it('fails when the body is not valid JSON (400)', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/embed',
      headers: { 'content-type': 'application/json' },
      payload: '{"inputs": ["unterminated',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error_type).toBe('validation');
  });

  it('fails when the body is not JSON at all (415)', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/embed',
      headers: { 'content-type': 'text/plain' },
      payload: 'hello',
    });
    expect(response.statusCode).toBe(415);
    expect(response.json().error_type).toBe('validation');
  });

  it('fails when the route does not exist (404 envelope)', async () => {
    const response = await app.inject({ method: 'POST', url: '/no-such-route' });
    expect(response.statusCode).toBe(404);
    expect(response.json().error_type).toBe('not_found');
  });
});

describe('POST /embed when the backend is unavailable', () => {
  it('fails when the model run fails (424 backend)', async () => {
    const app = await buildTestApp({ createBackend: failingBackend });
    const response = await app.inject({ method: 'POST', url: '/embed', payload: { inputs: 'x' } });
    expect(response.statusCode).toBe(424);
    expect(response.json()).toEqual({
      error: 'model run failed: simulated onnxruntime failure',
      error_type: 'backend',
    });
    await app.close();
  });

  it('fails when the queue is full (429 overloaded), and serves again once it drains', async () => {
    const held = heldBackend();
    const app = await buildTestApp({
      config: { maxConcurrentRequests: 2 },
      createBackend: held.factory,
    });
    const first = app.inject({ method: 'POST', url: '/embed', payload: { inputs: 'one' } });
    const second = app.inject({ method: 'POST', url: '/embed', payload: { inputs: 'two' } });
    await expect.poll(() => held.runs.length).toBe(1);
    const third = await app.inject({ method: 'POST', url: '/embed', payload: { inputs: 'three' } });
    expect(third.statusCode).toBe(429);
    expect(third.json().error_type).toBe('overloaded');
    held.release();
    expect((await first).statusCode).toBe(200);
    expect((await second).statusCode).toBe(200);
    const fourth = await app.inject({ method: 'POST', url: '/embed', payload: { inputs: 'four' } });
    expect(fourth.statusCode).toBe(200);
    await app.close();
  });

  it('fails with 503 before the model is loaded, then serves', async () => {
    const app = await buildTestApp({ start: false });
    const early = await app.inject({ method: 'POST', url: '/embed', payload: { inputs: 'x' } });
    expect(early.statusCode).toBe(503);
    expect(early.json()).toEqual({ error: 'the model is still loading', error_type: 'unhealthy' });
    await app.embedder.start();
    expect(
      (await app.inject({ method: 'POST', url: '/embed', payload: { inputs: 'x' } })).statusCode,
    ).toBe(200);
    await app.close();
  });

  it('fails with 503 naming the cause when the model cannot load', async () => {
    const app = await buildTestApp({ start: false, config: { modelDir: '/nonexistent/model' } });
    await expect(app.embedder.start()).rejects.toThrow(/manifest/);
    const response = await app.inject({ method: 'POST', url: '/embed', payload: { inputs: 'x' } });
    expect(response.statusCode).toBe(503);
    expect(response.json().error).toMatch(/failed to load: .*manifest/);
    await app.close();
  });
});
