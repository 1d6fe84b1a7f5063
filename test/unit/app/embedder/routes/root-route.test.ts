import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbedderApp } from '../../../../../app/embedder/src/app.js';
import { buildTestApp, cosine } from '../../../../helpers/embedder-app.js';

describe('POST / and GET / (TEI compatibility route)', () => {
  let app: EmbedderApp;
  beforeAll(async () => {
    app = await buildTestApp({ config: { maxClientBatchSize: 8, bodyLimitBytes: 16 * 1024 } });
  }, 120_000);
  afterAll(async () => {
    await app.close();
  });

  const post = (url: string, payload: unknown) =>
    app.inject({ method: 'POST', url, payload: payload as object });

  it('embeds as /embed does, with the same vectors and timing headers', async () => {
    const inputs = ['A man is eating food.', 'A monkey is playing drums.'];
    const root = await post('/', { inputs });
    expect(root.statusCode).toBe(200);
    expect(root.headers['x-compute-tokens']).toBeDefined();
    const viaEmbed = (await post('/embed', { inputs })).json<number[][]>();
    const viaRoot = root.json<number[][]>();
    expect(viaRoot).toHaveLength(2);
    viaRoot.forEach((vector, i) => {
      expect(cosine(vector, viaEmbed[i] as number[])).toBeGreaterThan(0.99999);
    });
  });

  it('answers a { source_sentence, sentences } body as /similarity', async () => {
    const body = {
      inputs: { source_sentence: 'A man is eating food.', sentences: ['A man eats bread.'] },
      parameters: {},
    };
    const root = await post('/', body);
    expect(root.statusCode).toBe(200);
    expect(root.json()).toEqual((await post('/similarity', body)).json());
  });

  it('answers GET / as /health', async () => {
    const response = await app.inject('/');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });

  it('fails when inputs is empty (400 empty)', async () => {
    for (const inputs of [[], '', ['ok', '']]) {
      const response = await post('/', { inputs });
      expect(response.statusCode, JSON.stringify(inputs)).toBe(400);
      expect(response.json().error_type).toBe('empty');
    }
  });

  it('fails when there are too many inputs or the body is too large (413)', async () => {
    const many = await post('/', { inputs: Array.from({ length: 9 }, () => 'x') });
    expect(many.statusCode).toBe(413);
    expect(many.json()).toEqual({
      error: 'batch size 9 > maximum allowed batch size 8',
      error_type: 'validation',
    });
    const large = await post('/', { inputs: 'y'.repeat(20 * 1024) });
    expect(large.statusCode).toBe(413);
    expect(large.json().error_type).toBe('validation');
  });

  it('fails when an input is past 256 tokens with truncate false (413)', async () => {
    const response = await post('/', { inputs: 'word '.repeat(300), truncate: false });
    expect(response.statusCode).toBe(413);
    expect(response.json().error).toMatch(/at most 256/);
  });

  it('fails when inputs are not strings, or a prompt is named (422 validation)', async () => {
    for (const body of [
      { inputs: 5 },
      { inputs: [1, 2] },
      { inputs: { text: 'x' } },
      { inputs: 'x', normalize: 'yes' },
      { inputs: 'x', prompt_name: 'query' },
      {},
    ]) {
      const response = await post('/', body);
      expect(response.statusCode, JSON.stringify(body)).toBe(422);
      expect(response.json().error_type).toBe('validation');
    }
  });
});
