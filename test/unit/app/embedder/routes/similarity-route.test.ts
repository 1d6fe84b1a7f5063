import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbedderApp } from '../../../../../app/embedder/src/app.js';
import { buildTestApp, cosine } from '../../../../helpers/embedder-app.js';

describe('POST /similarity', () => {
  let app: EmbedderApp;
  beforeAll(async () => {
    app = await buildTestApp({ config: { maxClientBatchSize: 4, bodyLimitBytes: 16 * 1024 } });
  }, 120_000);
  afterAll(async () => {
    await app.close();
  });

  const similarity = (payload: unknown) =>
    app.inject({ method: 'POST', url: '/similarity', payload: payload as object });
  const ask = (source: string, sentences: unknown, parameters?: unknown) =>
    similarity({
      inputs: { source_sentence: source, sentences },
      ...(parameters === undefined ? {} : { parameters }),
    });

  it('gives the cosine of /embed vectors, one score per sentence, in order', async () => {
    const source = 'A man is eating food.';
    const sentences = ['A man is eating a piece of bread.', 'A monkey is playing drums.'];
    const response = await ask(source, sentences);
    expect(response.statusCode).toBe(200);
    const scores = response.json<number[]>();
    const [s, bread, drums] = (
      await app.inject({
        method: 'POST',
        url: '/embed',
        payload: { inputs: [source, ...sentences] },
      })
    ).json<number[][]>() as [number[], number[], number[]];
    expect(scores[0]).toBeCloseTo(cosine(s, bread), 5);
    expect(scores[1]).toBeCloseTo(cosine(s, drums), 5);
    expect(scores[0]).toBeGreaterThan(scores[1] as number);
  });

  it('scores a sentence against itself as 1 and accepts parameters: null', async () => {
    const response = await ask('the same text', ['the same text'], null);
    expect(response.statusCode).toBe(200);
    expect(response.json<number[]>()[0]).toBeCloseTo(1, 5);
  });

  it('fails when sentences is empty or a sentence is an empty string (400 empty)', async () => {
    const none = await ask('source', []);
    expect(none.statusCode).toBe(400);
    expect(none.json()).toEqual({
      error: '`inputs.sentences` cannot be empty',
      error_type: 'empty',
    });
    for (const [source, sentences] of [
      ['', ['x']],
      ['x', ['ok', '']],
    ] as const) {
      const response = await ask(source, sentences);
      expect(response.statusCode).toBe(400);
      expect(response.json().error_type).toBe('empty');
    }
  });

  it('fails when sentences + 1 exceed maxClientBatchSize (413), counting the source as TEI does', async () => {
    expect((await ask('s', ['a', 'b', 'c'])).statusCode).toBe(200);
    const response = await ask('s', ['a', 'b', 'c', 'd']);
    expect(response.statusCode).toBe(413);
    expect(response.json()).toEqual({
      error: 'batch size 5 > maximum allowed batch size 4',
      error_type: 'validation',
    });
  });

  it('fails when a sentence is past 256 tokens with truncate false (413), and truncates when asked', async () => {
    const long = 'word '.repeat(300);
    const refused = await ask('s', [long], { truncate: false });
    expect(refused.statusCode).toBe(413);
    expect((await ask('s', [long], { truncate: true })).statusCode).toBe(200);
  });

  it('fails when the body is too large (413)', async () => {
    const response = await ask('s', ['z'.repeat(20 * 1024)]);
    expect(response.statusCode).toBe(413);
  });

  it('fails when the types are wrong or a prompt is named (422 validation)', async () => {
    for (const body of [
      { inputs: 'just a string' },
      { inputs: { source_sentence: 1, sentences: ['a'] } },
      { inputs: { source_sentence: 'a', sentences: 'b' } },
      { inputs: { source_sentence: 'a', sentences: [1] } },
      { inputs: { sentences: ['a'] } },
      { inputs: { source_sentence: 'a', sentences: ['b'] }, parameters: { truncate: 'no' } },
      { inputs: { source_sentence: 'a', sentences: ['b'] }, parameters: { prompt_name: 'q' } },
    ]) {
      const response = await similarity(body);
      expect(response.statusCode, JSON.stringify(body)).toBe(422);
      expect(response.json().error_type).toBe('validation');
    }
  });
});
