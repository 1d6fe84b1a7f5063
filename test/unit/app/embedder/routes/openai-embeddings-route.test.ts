import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbedderApp } from '../../../../../app/embedder/src/app.js';
import { encodeFloat32Base64 } from '../../../../../app/embedder/src/routes/openai-embeddings-route.js';
import { buildTestApp, norm } from '../../../../helpers/embedder-app.js';

interface OpenAiResponse {
  object: string;
  data: { object: string; index: number; embedding: number[] | string }[];
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}

/** What an OpenAI client does with `encoding_format: "base64"`. */
function decodeBase64Float32(text: string): number[] {
  const bytes = Buffer.from(text, 'base64');
  return Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readFloatLE(i * 4));
}

describe('POST /v1/embeddings', () => {
  let app: EmbedderApp;
  beforeAll(async () => {
    app = await buildTestApp();
  }, 120_000);
  afterAll(async () => {
    await app.close();
  });

  const create = (payload: object) =>
    app.inject({ method: 'POST', url: '/v1/embeddings', payload });

  it('answers in the OpenAI shape with usage counted in tokens', async () => {
    const response = await create({ input: ['hello world', 'A man is eating food.'] });
    expect(response.statusCode).toBe(200);
    const body = response.json<OpenAiResponse>();
    expect(body.object).toBe('list');
    expect(body.model).toBe('sentence-transformers/all-MiniLM-L6-v2');
    expect(body.data.map((d) => [d.object, d.index])).toEqual([
      ['embedding', 0],
      ['embedding', 1],
    ]);
    // [CLS] hello world [SEP] + [CLS] a man is eating food . [SEP]
    expect(body.usage).toEqual({ prompt_tokens: 12, total_tokens: 12 });
    expect(norm(body.data[0]?.embedding as number[])).toBeCloseTo(1, 5);
    expect(response.headers['x-inference-time']).toBeDefined();
  });

  it('echoes the requested model name', async () => {
    const body = (
      await create({ input: 'x', model: 'text-embedding-3-small' })
    ).json<OpenAiResponse>();
    expect(body.model).toBe('text-embedding-3-small');
  });

  it('sends little-endian float32 base64 that decodes to the float vector', async () => {
    const floats = (
      await create({ input: 'round trip', encoding_format: 'float' })
    ).json<OpenAiResponse>();
    const base64 = (
      await create({ input: 'round trip', encoding_format: 'base64' })
    ).json<OpenAiResponse>();
    const encoded = base64.data[0]?.embedding as string;
    expect(typeof encoded).toBe('string');
    expect(Buffer.from(encoded, 'base64')).toHaveLength(384 * 4);
    const decoded = decodeBase64Float32(encoded);
    // The float response carries the same float32 values, widened to doubles.
    expect(decoded).toEqual(floats.data[0]?.embedding);
  });

  it('encodes base64 as little-endian bytes', () => {
    expect(encodeFloat32Base64(new Float32Array([1, -2]))).toBe(
      Buffer.from([0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0]).toString('base64'),
    );
  });

  it('fails when input is empty (400) or not text (422)', async () => {
    expect((await create({ input: [] })).statusCode).toBe(400);
    expect((await create({ input: '' })).statusCode).toBe(400);
    const tokens = await create({ input: [101, 102] });
    expect(tokens.statusCode).toBe(422);
    expect(tokens.json().error_type).toBe('validation');
  });

  it('accepts dimensions equal to the model width and fails for any other (422)', async () => {
    expect((await create({ input: 'x', dimensions: 384 })).statusCode).toBe(200);
    const response = await create({ input: 'x', dimensions: 256 });
    expect(response.statusCode).toBe(422);
    expect(response.json().error).toMatch(/384-dimensional/);
  });

  it('fails when encoding_format is unknown (422)', async () => {
    expect((await create({ input: 'x', encoding_format: 'int8' })).statusCode).toBe(422);
  });

  it('fails when there are more inputs than maxClientBatchSize (413)', async () => {
    const response = await create({ input: Array.from({ length: 10_000 }, (_, i) => `text ${i}`) });
    expect(response.statusCode).toBe(413);
  });
});
