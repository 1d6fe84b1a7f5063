import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbedderApp } from '../../../../../app/embedder/src/app.js';
import { onnxBackendFactory } from '../../../../../app/embedder/src/embedder.js';
import { buildTestApp, cosine } from '../../../../helpers/embedder-app.js';
import { heldBackend } from '../fake-backends.js';

/** Mean of per-token vectors: what /embed computes before normalising. */
function meanOf(tokens: number[][]): number[] {
  const out = new Array<number>(tokens[0]?.length ?? 0).fill(0);
  for (const token of tokens) {
    token.forEach((v, d) => {
      out[d] = (out[d] as number) + v / tokens.length;
    });
  }
  return out;
}

describe('POST /embed_all', () => {
  let app: EmbedderApp;
  /** Each model run's kinds, to see pooled and per-token requests share runs. */
  const runs: string[] = [];
  beforeAll(async () => {
    app = await buildTestApp({
      config: { maxClientBatchSize: 8, bodyLimitBytes: 16 * 1024 },
      createBackend: async (files, config) => {
        const real = await onnxBackendFactory(files, config);
        return {
          info: real.info,
          embed: (sequences) => {
            runs.push(`pooled:${sequences.length}`);
            return real.embed(sequences);
          },
          embedTokens: (sequences) => {
            runs.push(`tokens:${sequences.length}`);
            return real.embedTokens(sequences);
          },
          isAlive: () => real.isAlive(),
          close: () => real.close(),
        };
      },
    });
  }, 120_000);
  afterAll(async () => {
    await app.close();
  });

  const post = (url: string, payload: unknown) =>
    app.inject({ method: 'POST', url, payload: payload as object });

  it('answers one 384-dim vector per token, [CLS] and [SEP] included', async () => {
    const response = await post('/embed_all', { inputs: ['hello world', 'A man is eating food.'] });
    expect(response.statusCode).toBe(200);
    const [hello, food] = response.json<number[][][]>() as [number[][], number[][]];
    expect(hello).toHaveLength(4);
    expect(food).toHaveLength(8);
    expect(hello.every((token) => token.length === 384)).toBe(true);
    expect(response.headers['x-compute-tokens']).toBe('12');
    expect(Number(response.headers['x-inference-time'])).toBeGreaterThanOrEqual(0);
  });

  it('agrees with /embed: the mean of its token vectors is the /embed vector', async () => {
    const inputs = ['A man is eating food.', 'The embedder pools token vectors.'];
    const all = (await post('/embed_all', { inputs })).json<number[][][]>();
    const pooled = (await post('/embed', { inputs, normalize: false })).json<number[][]>();
    all.forEach((tokens, i) => {
      const mean = meanOf(tokens);
      expect(cosine(mean, pooled[i] as number[])).toBeGreaterThan(0.99999);
      mean.forEach((v, d) => {
        expect(v).toBeCloseTo((pooled[i] as number[])[d] as number, 4);
      });
    });
  });

  it('shares model runs with concurrent /embed requests, answering each its own kind', async () => {
    runs.length = 0;
    const [all, pooled] = await Promise.all([
      Promise.all(Array.from({ length: 6 }, (_, i) => post('/embed_all', { inputs: `text ${i}` }))),
      Promise.all(Array.from({ length: 6 }, (_, i) => post('/embed', { inputs: `text ${i}` }))),
    ]);
    for (const [i, response] of all.entries()) {
      const tokens = response.json<number[][][]>()[0] as number[][];
      const vector = (pooled[i]?.json<number[][]>()[0] ?? []) as number[];
      expect(cosine(meanOf(tokens), vector)).toBeGreaterThan(0.9999);
    }
    const total = runs.reduce((sum, run) => sum + Number(run.split(':')[1]), 0);
    expect(total).toBe(12);
  });

  it('truncates past 256 tokens by default, and fails with truncate false (413)', async () => {
    const long = 'word '.repeat(300);
    const cut = await post('/embed_all', { inputs: long });
    expect(cut.statusCode).toBe(200);
    expect(cut.json<number[][][]>()[0]).toHaveLength(256);
    const refused = await post('/embed_all', { inputs: long, truncate: false });
    expect(refused.statusCode).toBe(413);
    expect(refused.json().error).toMatch(/at most 256/);
  });

  it('fails when inputs is empty (400 empty)', async () => {
    for (const inputs of [[], '', ['ok', '']]) {
      const response = await post('/embed_all', { inputs });
      expect(response.statusCode, JSON.stringify(inputs)).toBe(400);
      expect(response.json().error_type).toBe('empty');
    }
  });

  it('fails when there are more inputs than maxClientBatchSize or the body is too large (413)', async () => {
    const many = await post('/embed_all', { inputs: Array.from({ length: 9 }, () => 'x') });
    expect(many.statusCode).toBe(413);
    expect(many.json()).toEqual({
      error: 'batch size 9 > maximum allowed batch size 8',
      error_type: 'validation',
    });
    expect((await post('/embed_all', { inputs: 'y'.repeat(20 * 1024) })).statusCode).toBe(413);
  });

  it('fails when inputs are not strings, truncate is not a boolean or a prompt is named (422)', async () => {
    for (const body of [
      { inputs: 5 },
      { inputs: [[101, 102]] },
      { inputs: 'x', truncate: 'yes' },
      { inputs: 'x', prompt_name: 'query' },
      {},
    ]) {
      const response = await post('/embed_all', body);
      expect(response.statusCode, JSON.stringify(body)).toBe(422);
      expect(response.json().error_type).toBe('validation');
    }
  });
});

describe('POST /embed_all under load', () => {
  it('fails when the queue is full (429 overloaded), as /embed', async () => {
    const held = heldBackend();
    const app = await buildTestApp({
      createBackend: held.factory,
      config: { maxConcurrentRequests: 1 },
    });
    const first = app.inject({ method: 'POST', url: '/embed_all', payload: { inputs: 'a' } });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const second = await app.inject({
      method: 'POST',
      url: '/embed_all',
      payload: { inputs: 'b' },
    });
    expect(second.statusCode).toBe(429);
    expect(second.json().error_type).toBe('overloaded');
    held.release();
    expect((await first).statusCode).toBe(200);
    await app.close();
  });

  it('fails with 503 before the model is loaded', async () => {
    const app = await buildTestApp({ start: false });
    const response = await app.inject({
      method: 'POST',
      url: '/embed_all',
      payload: { inputs: 'a' },
    });
    expect(response.statusCode).toBe(503);
    expect(response.json().error_type).toBe('unhealthy');
    await app.close();
  });
});
