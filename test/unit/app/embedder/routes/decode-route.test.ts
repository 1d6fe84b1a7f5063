import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbedderApp } from '../../../../../app/embedder/src/app.js';
import { buildTestApp } from '../../../../helpers/embedder-app.js';

describe('POST /decode', () => {
  let app: EmbedderApp;
  beforeAll(async () => {
    app = await buildTestApp({ config: { maxClientBatchSize: 4, bodyLimitBytes: 16 * 1024 } });
  }, 120_000);
  afterAll(async () => {
    await app.close();
  });

  const decode = (payload: unknown) =>
    app.inject({ method: 'POST', url: '/decode', payload: payload as object });

  it('decodes one id sequence, skipping special tokens by default', async () => {
    const response = await decode({ ids: [101, 7592, 2088, 102] });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(['hello world']);
    expect(
      (await decode({ ids: [101, 7592, 2088, 102], skip_special_tokens: false })).json(),
    ).toEqual(['[CLS] hello world [SEP]']);
  });

  it('decodes a batch, and round-trips what /tokenize gave', async () => {
    const tokenized = (
      await app.inject({
        method: 'POST',
        url: '/tokenize',
        payload: { inputs: ['A man is eating food.', 'hello world'] },
      })
    ).json<{ id: number }[][]>();
    const response = await decode({ ids: tokenized.map((tokens) => tokens.map((t) => t.id)) });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(['a man is eating food.', 'hello world']);
  });

  it('fails when ids are empty (400 empty)', async () => {
    for (const ids of [[], [[]], [[7592], []]]) {
      const response = await decode({ ids });
      expect(response.statusCode, JSON.stringify(ids)).toBe(400);
      expect(response.json().error_type).toBe('empty');
    }
  });

  it('fails when there are more sequences than maxClientBatchSize or the body is too large (413)', async () => {
    const many = await decode({ ids: [[1], [2], [3], [4], [5]] });
    expect(many.statusCode).toBe(413);
    expect(many.json()).toEqual({
      error: 'batch size 5 > maximum allowed batch size 4',
      error_type: 'validation',
    });
    expect((await decode({ ids: Array.from({ length: 5000 }, () => 7592) })).statusCode).toBe(413);
  });

  it('fails when ids are not unsigned 32-bit integers (422 validation)', async () => {
    for (const body of [
      { ids: 'hello' },
      { ids: [1.5] },
      { ids: [-1] },
      { ids: [2 ** 32] },
      { ids: ['101'] },
      { ids: [[1], 2] },
      { ids: [1], skip_special_tokens: 'no' },
      {},
    ]) {
      const response = await decode(body);
      expect(response.statusCode, JSON.stringify(body)).toBe(422);
      expect(response.json().error_type).toBe('validation');
    }
  });
});
