import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbedderApp } from '../../../../../app/embedder/src/app.js';
import { buildTestApp } from '../../../../helpers/embedder-app.js';
import { heldBackend } from '../fake-backends.js';

interface SimpleToken {
  id: number;
  text: string;
  special: boolean;
  start: number | null;
  stop: number | null;
}

describe('POST /tokenize', () => {
  let app: EmbedderApp;
  beforeAll(async () => {
    app = await buildTestApp({ config: { maxClientBatchSize: 4, bodyLimitBytes: 128 * 1024 } });
  }, 120_000);
  afterAll(async () => {
    await app.close();
  });

  const tokenize = (payload: unknown) =>
    app.inject({ method: 'POST', url: '/tokenize', payload: payload as object });

  it('answers TEI SimpleTokens: ids, text, special flag and offsets, special tokens without offsets', async () => {
    const response = await tokenize({ inputs: 'Hello world!' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual([
      [
        { id: 101, text: '[CLS]', special: true, start: null, stop: null },
        { id: 7592, text: 'Hello', special: false, start: 0, stop: 5 },
        { id: 2088, text: 'world', special: false, start: 6, stop: 11 },
        { id: 999, text: '!', special: false, start: 11, stop: 12 },
        { id: 102, text: '[SEP]', special: true, start: null, stop: null },
      ],
    ]);
  });

  it('gives offsets in UTF-8 bytes, as TEI, so multi-byte text slices correctly', async () => {
    const text = 'café 😀 naïve';
    const [tokens] = (await tokenize({ inputs: text })).json<SimpleToken[][]>() as [SimpleToken[]];
    const bytes = Buffer.from(text);
    const words = tokens.filter((t) => !t.special);
    for (const token of words) {
      expect(bytes.subarray(token.start as number, token.stop as number).toString()).toBe(
        token.text,
      );
    }
    expect(words.map((t) => t.text).join('')).toBe('café😀naïve');
    expect(words.at(-1)?.stop).toBe(bytes.length);
  });

  it('leaves special tokens out when add_special_tokens is false', async () => {
    const [tokens] = (await tokenize({ inputs: 'hello world', add_special_tokens: false })).json<
      SimpleToken[][]
    >() as [SimpleToken[]];
    expect(tokens.map((t) => t.id)).toEqual([7592, 2088]);
  });

  it('uses the ids the embedding path uses, and never truncates', async () => {
    const text = 'The embedder truncates long inputs at the model limit. '.repeat(30);
    const [tokens] = (await tokenize({ inputs: [text] })).json<SimpleToken[][]>() as [
      SimpleToken[],
    ];
    expect(tokens.length).toBeGreaterThan(256);
    const embedded = await app.inject({
      method: 'POST',
      url: '/embed',
      payload: { inputs: 'The embedder truncates long inputs at the model limit.' },
    });
    const [short] = (
      await tokenize({ inputs: 'The embedder truncates long inputs at the model limit.' })
    ).json<SimpleToken[][]>() as [SimpleToken[]];
    expect(String(short.length)).toBe(embedded.headers['x-compute-tokens']);
  });

  it('fails when inputs is empty (400 empty)', async () => {
    for (const inputs of [[], '', ['ok', '']]) {
      const response = await tokenize({ inputs });
      expect(response.statusCode, JSON.stringify(inputs)).toBe(400);
      expect(response.json().error_type).toBe('empty');
    }
  });

  it('fails when there are more inputs than maxClientBatchSize or the body is too large (413)', async () => {
    const many = await tokenize({ inputs: ['a', 'b', 'c', 'd', 'e'] });
    expect(many.statusCode).toBe(413);
    expect(many.json()).toEqual({
      error: 'batch size 5 > maximum allowed batch size 4',
      error_type: 'validation',
    });
    expect((await tokenize({ inputs: 'y'.repeat(130 * 1024) })).statusCode).toBe(413);
  });

  it('fails when an input is longer than 256 x 250 characters (422 validation), as TEI', async () => {
    const response = await tokenize({ inputs: 'a '.repeat(32_001) });
    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual({
      error: 'input 0 must have less than 64000 characters. Given: 64002',
      error_type: 'validation',
    });
  });

  it('fails when inputs are not strings or a prompt is named (422 validation)', async () => {
    for (const body of [
      { inputs: 5 },
      { inputs: [1, 2] },
      { inputs: 'x', add_special_tokens: 'yes' },
      { inputs: 'x', prompt_name: 'query' },
      {},
    ]) {
      const response = await tokenize(body);
      expect(response.statusCode, JSON.stringify(body)).toBe(422);
      expect(response.json().error_type).toBe('validation');
    }
  });
});

describe('POST /tokenize and /decode under load', () => {
  it('fails when the queue is full (429 overloaded) and before the model is loaded (503)', async () => {
    const held = heldBackend();
    const app = await buildTestApp({
      createBackend: held.factory,
      config: { maxConcurrentRequests: 1 },
    });
    const first = app.inject({ method: 'POST', url: '/embed', payload: { inputs: 'a' } });
    await new Promise((resolve) => setTimeout(resolve, 50));
    for (const [url, payload] of [
      ['/tokenize', { inputs: 'b' }],
      ['/decode', { ids: [7592] }],
    ] as const) {
      const response = await app.inject({ method: 'POST', url, payload });
      expect(response.statusCode, url).toBe(429);
      expect(response.json().error_type).toBe('overloaded');
    }
    held.release();
    expect((await first).statusCode).toBe(200);
    await app.close();

    const loading = await buildTestApp({ start: false });
    for (const [url, payload] of [
      ['/tokenize', { inputs: 'b' }],
      ['/decode', { ids: [7592] }],
    ] as const) {
      const response = await loading.inject({ method: 'POST', url, payload });
      expect(response.statusCode, url).toBe(503);
    }
    await loading.close();
  });
});
