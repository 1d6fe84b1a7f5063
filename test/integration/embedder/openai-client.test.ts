/**
 * The official `openai` npm client against the real embedder process, as a user pointing
 * `baseURL` at it would: floats and base64, one input and many, `dimensions`, model listing,
 * and errors as the client's own error classes. Vectors agree with `/embed`.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { cosine, norm } from '../../helpers/embedder-app.js';
import { findModelDir } from '../../helpers/model-dir.js';
import { type ChildService, startEmbedder } from '../pipeline/pipeline-fixture.js';

const MODEL = 'sentence-transformers/all-MiniLM-L6-v2';
const TEXTS = ['A man is eating food.', 'A monkey is playing drums.', 'hello world'];

describe('the openai npm client against the embedder', () => {
  let embedder: ChildService;
  let client: OpenAI;
  /** What /embed answers for TEXTS: the reference every client result is held to. */
  let reference: number[][];

  beforeAll(async () => {
    embedder = await startEmbedder(inject('modelDir') ?? findModelDir());
    client = new OpenAI({ baseURL: `${embedder.url}/v1`, apiKey: 'not-checked', maxRetries: 0 });
    const response = await fetch(`${embedder.url}/embed`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: TEXTS }),
    });
    reference = (await response.json()) as number[][];
  });
  afterAll(async () => {
    await embedder?.stop();
  });

  const expectSameAsEmbed = (vectors: number[][]) => {
    expect(vectors).toHaveLength(TEXTS.length);
    vectors.forEach((vector, i) => {
      expect(vector).toHaveLength(384);
      expect(cosine(vector, reference[i] as number[])).toBeGreaterThan(0.99999);
    });
  };

  it('embeds a batch as floats, in order, with usage in tokens', async () => {
    const response = await client.embeddings.create({
      model: MODEL,
      input: TEXTS,
      encoding_format: 'float',
    });
    expect(response.object).toBe('list');
    expect(response.model).toBe(MODEL);
    expect(response.data.map((d) => d.index)).toEqual([0, 1, 2]);
    expectSameAsEmbed(response.data.map((d) => d.embedding));
    // [CLS] ... [SEP]: 8 + 8 + 4 tokens
    expect(response.usage).toEqual({ prompt_tokens: 20, total_tokens: 20 });
  });

  it('embeds one string as floats', async () => {
    const response = await client.embeddings.create({ model: MODEL, input: TEXTS[0] as string });
    expect(response.data).toHaveLength(1);
    const [vector] = response.data.map((d) => d.embedding) as [number[]];
    expect(norm(vector)).toBeCloseTo(1, 5);
    expect(cosine(vector, reference[0] as number[])).toBeGreaterThan(0.99999);
  });

  it('receives base64 (little-endian float32) that decodes to the same vectors', async () => {
    const response = await client.embeddings.create({
      model: MODEL,
      input: TEXTS,
      encoding_format: 'base64',
    });
    const decoded = response.data.map((d) => {
      expect(typeof d.embedding).toBe('string');
      const bytes = Buffer.from(d.embedding as unknown as string, 'base64');
      expect(bytes).toHaveLength(384 * 4);
      return Array.from({ length: 384 }, (_, i) => bytes.readFloatLE(i * 4));
    });
    expectSameAsEmbed(decoded);
  });

  it('accepts dimensions equal to the model width', async () => {
    const response = await client.embeddings.create({
      model: MODEL,
      input: TEXTS,
      dimensions: 384,
    });
    expectSameAsEmbed(response.data.map((d) => d.embedding));
  });

  it('lists and retrieves the model', async () => {
    const list = await client.models.list();
    expect(list.data.map((m) => m.id)).toEqual([MODEL]);
    const model = await client.models.retrieve(MODEL);
    expect(model).toMatchObject({ id: MODEL, object: 'model', owned_by: 'sentence-transformers' });
  });

  it('fails with the client error class and status the embedder answered', async () => {
    // biome-ignore lint/suspicious/noExplicitAny: the client's error classes differ in their constructors
    const cases: [() => Promise<unknown>, new (...args: any[]) => Error, number, RegExp][] = [
      [
        () => client.embeddings.create({ model: MODEL, input: '' }),
        OpenAI.BadRequestError,
        400,
        /empty string/,
      ],
      [
        () => client.embeddings.create({ model: MODEL, input: [] }),
        OpenAI.BadRequestError,
        400,
        /cannot be empty/,
      ],
      [
        () => client.embeddings.create({ model: MODEL, input: 'x', dimensions: 128 }),
        OpenAI.UnprocessableEntityError,
        422,
        /384-dimensional/,
      ],
      [
        () =>
          client.embeddings.create({ model: MODEL, input: Array.from({ length: 200 }, () => 'x') }),
        OpenAI.APIError,
        413,
        /maximum allowed batch size 128/,
      ],
      [
        () => client.models.retrieve('text-embedding-3-small'),
        OpenAI.NotFoundError,
        404,
        /not found/,
      ],
    ];
    for (const [call, errorClass, status, message] of cases) {
      const error = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, message.source).toBeInstanceOf(errorClass);
      expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(status);
      expect((error as Error).message).toMatch(message);
    }
  });
});
