/**
 * Property-based tests (fast-check) for the embedder's request handling (issue 10): whatever a
 * client sends, the answer is a well-formed status (2xx for valid requests, 4xx with TEI's
 * `{ error, error_type }` for the rest, 413/429 where the limits say so), never a 5xx, in
 * bounded time, without internals, and the embedder keeps serving. HTTP handling runs on a fake
 * backend (the tokenizers are real); the properties about vectors run the real model.
 * Counter-examples fast-check found are kept at the end as plain regression tests.
 */
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbedderApp } from '../../../app/embedder/src/app.js';
import { buildTestApp, cosine, norm } from '../../helpers/embedder-app.js';
import { findModelDir } from '../../helpers/model-dir.js';
import { gatedBackend } from '../app/embedder/fake-backends.js';

const MAX_BATCH = 16;
const BODY_LIMIT_BYTES = 64 * 1024;
const DIMENSIONS = 384;
const MAX_INPUT_TOKENS = 256;
/** A request that takes longer than this has hung, even on a loaded 2-core machine. */
const REQUEST_TIMEOUT_MS = 20_000;

const ERROR_TYPES = [
  'empty',
  'validation',
  'tokenizer',
  'backend',
  'overloaded',
  'unhealthy',
  'not_found',
  'internal',
];
const POST_ROUTES = [
  '/',
  '/embed',
  '/embed_all',
  '/similarity',
  '/tokenize',
  '/decode',
  '/v1/embeddings',
  '/embeddings',
] as const;

/** Characters tokenizers and JSON get wrong: lone surrogates, zero-width, controls, RTL, BOM. */
const oddChar = fc.constantFrom(
  '\ud800',
  '\udfff',
  '\u200b',
  '\u200d',
  '\ufeff',
  '\u0000',
  '\u0007',
  '\u001b',
  '\u007f',
  '\u202e',
  '\u0301',
  '\uffff',
  '\ufffd',
  '😀',
  '👨‍👩‍👧',
  '中',
  'é',
  ',',
  ' ',
  '\n',
  '\t',
  'a',
  '[CLS]',
  '##',
  '"',
  '\\',
);

const anyText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: oddChar, maxLength: 300 }),
  fc
    .tuple(
      fc.oneof(oddChar, fc.constantFrom('a,', 'word ', 'x9q')),
      fc.integer({ min: 1, max: 20_000 }),
    )
    .map(([unit, n]) => unit.repeat(n)),
);
/** Texts a valid request may carry (non-empty; the body stays under the limit). */
const validText = fc.oneof(
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 200 }),
  fc.string({ unit: oddChar, minLength: 1, maxLength: 300 }),
  fc
    .tuple(fc.oneof(oddChar, fc.constantFrom('a,', 'word ')), fc.integer({ min: 1, max: 1500 }))
    .map(([unit, n]) => unit.repeat(n)),
);
const inputsOf = (text: fc.Arbitrary<string>, min: number, max: number) =>
  fc.oneof(text, fc.array(text, { minLength: min, maxLength: max }));
const truncateFlag = fc.option(fc.boolean(), { nil: undefined });

/** Request bodies of the right shape for each route (not all of them acceptable). */
function shapedBody(route: (typeof POST_ROUTES)[number], text: fc.Arbitrary<string>) {
  const inputs = inputsOf(text, 0, MAX_BATCH + 2);
  const similarity = fc.record(
    {
      inputs: fc.record({
        source_sentence: text,
        sentences: fc.array(text, { maxLength: MAX_BATCH + 1 }),
      }),
      parameters: fc.oneof(
        fc.constant(null),
        fc.record({ truncate: truncateFlag }, { requiredKeys: [] }),
      ),
    },
    { requiredKeys: ['inputs'] },
  );
  switch (route) {
    case '/':
    case '/embed':
      return fc.oneof(
        fc.record(
          {
            inputs,
            normalize: fc.boolean(),
            truncate: fc.oneof(fc.boolean(), fc.constant(null)),
            prompt_name: fc.option(fc.string({ maxLength: 10 })),
          },
          { requiredKeys: ['inputs'] },
        ),
        route === '/' ? similarity : fc.record({ inputs }),
      );
    case '/embed_all':
      return fc.record({ inputs, truncate: truncateFlag }, { requiredKeys: ['inputs'] });
    case '/similarity':
      return similarity;
    case '/tokenize':
      return fc.record({ inputs, add_special_tokens: fc.boolean() }, { requiredKeys: ['inputs'] });
    case '/decode': {
      const id = fc.oneof(
        fc.integer({ min: 0, max: 30_600 }),
        fc.constantFrom(0xffff_ffff, -1, 2 ** 32, 1.5, 101, 102),
      );
      return fc.record(
        {
          ids: fc.oneof(
            fc.array(id, { maxLength: 50 }),
            fc.array(fc.array(id, { maxLength: 20 }), { maxLength: MAX_BATCH + 2 }),
          ),
          skip_special_tokens: fc.boolean(),
        },
        { requiredKeys: ['ids'] },
      );
    }
    default:
      return fc.record(
        {
          input: inputsOf(text, 0, MAX_BATCH + 2),
          model: fc.string({ maxLength: 20 }),
          encoding_format: fc.constantFrom('float', 'base64', 'int8'),
          dimensions: fc.constantFrom(DIMENSIONS, 1, 0, 1536),
          user: fc.string({ maxLength: 10 }),
        },
        { requiredKeys: ['input'] },
      );
  }
}

/** Nested arrays, as a string: JSON.parse and schema validation must not recurse into trouble. */
const deepNesting = fc
  .tuple(fc.integer({ min: 1, max: 20_000 }), fc.boolean(), fc.boolean())
  .map(([depth, balanced, wrapped]) => {
    const nested = `${'['.repeat(depth)}"x"${balanced ? ']'.repeat(depth) : ''}`;
    return wrapped ? `{"inputs":${nested}}` : nested;
  });

/** A shaped body with one field replaced by anything, one dropped, or one added. */
function nearValid(route: (typeof POST_ROUTES)[number]) {
  return fc
    .tuple(
      shapedBody(route, anyText),
      fc.constantFrom('replace', 'drop', 'add', 'wrap'),
      fc.jsonValue({ maxDepth: 3 }),
      fc.string({ maxLength: 12 }),
    )
    .map(([body, how, value, key]) => {
      const copy: Record<string, unknown> = { ...(body as Record<string, unknown>) };
      const keys = Object.keys(copy);
      const target = keys[key.length % Math.max(1, keys.length)] ?? 'inputs';
      if (how === 'replace') copy[target] = value;
      else if (how === 'drop') delete copy[target];
      else if (how === 'add') copy[key] = value;
      else return JSON.stringify([copy]);
      return JSON.stringify(copy);
    });
}

const contentType = fc.constantFrom(
  'application/json',
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'application/json; charset=latin1',
  'application/json;;;',
  'text/plain',
  'application/x-www-form-urlencoded',
  'application/octet-stream',
  'multipart/form-data; boundary=x',
  'application/vnd.api+json',
  '',
  undefined,
);

/** Any POST request: shaped, near-valid, wrong types, nesting, raw bytes, compressed. */
const anyPost = fc.constantFrom(...POST_ROUTES).chain((route) =>
  fc.record({
    route: fc.constant(route),
    payload: fc.oneof(
      { weight: 4, arbitrary: shapedBody(route, anyText).map((body) => JSON.stringify(body)) },
      { weight: 3, arbitrary: nearValid(route) },
      { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
      { weight: 1, arbitrary: deepNesting },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 100 }) },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)) },
    ),
    contentType,
    encoding: fc.constantFrom(undefined, undefined, undefined, 'gzip', 'br', 'identity'),
  }),
);

function toInject(request: {
  route: string;
  payload: string | Buffer;
  contentType: string | undefined;
  encoding: string | undefined;
}): InjectOptions {
  const headers: Record<string, string> = {};
  if (request.contentType !== undefined) headers['content-type'] = request.contentType;
  let payload = request.payload;
  if (request.encoding !== undefined) {
    headers['content-encoding'] = request.encoding;
    if (request.encoding === 'gzip') payload = gzipSync(payload);
  }
  return { method: 'POST', url: request.route, headers, payload };
}

/** Injects with a deadline: a request that never answers fails the property instead of the run. */
async function injectWithin(
  app: EmbedderApp,
  options: InjectOptions,
  timeoutMs = REQUEST_TIMEOUT_MS,
): Promise<LightMyRequestResponse> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${timeoutMs} ms: ${options.method} ${options.url}`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([app.inject(options), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * How long one request may hold the event loop in these tests. Issue 10 asks for "a few ms"
 * before admission, and a warm 2 MiB request measures 2-50 ms here; but on a loaded 2-core
 * machine the OS deschedules the loop too (gaps up to ~300 ms measured while the tokenizer
 * worker runs), and wall time cannot tell the two apart. So this bound only separates "yields"
 * from the seconds-long holds of work done inline, which it would catch: a 2 MiB body
 * tokenized on the loop is ~9 s, and /tokenize of 60,000 commas held it 5 s.
 */
const LOOP_BLOCK_LIMIT_MS = 2_000;

/** The longest the event loop went without running a 1 ms interval while `work` ran. */
async function longestLoopBlockMs<T>(
  work: () => Promise<T>,
): Promise<{ result: T; blockMs: number }> {
  let last = performance.now();
  let blockMs = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    blockMs = Math.max(blockMs, now - last);
    last = now;
  }, 1);
  try {
    const result = await work();
    blockMs = Math.max(blockMs, performance.now() - last);
    return { result, blockMs };
  } finally {
    clearInterval(ticker);
  }
}

/**
 * The contract every answer keeps: no 5xx; an error is exactly TEI's envelope with a known
 * type and no internals (stack frames, file paths of the service or its model).
 */
function expectWellFormed(response: LightMyRequestResponse): void {
  expect(response.statusCode, response.body.slice(0, 300)).toBeLessThan(500);
  if (response.statusCode < 400) return;
  expect([400, 404, 413, 414, 415, 422, 429]).toContain(response.statusCode);
  const body = response.json<Record<string, unknown>>();
  expect(Object.keys(body).sort()).toEqual(['error', 'error_type']);
  expect(typeof body.error).toBe('string');
  expect(ERROR_TYPES).toContain(body.error_type);
  const error = body.error as string;
  expect(error).not.toMatch(/\n\s+at \S/);
  expect(error).not.toContain('node_modules');
  expect(error).not.toContain(findModelDir());
  expect(error).not.toContain('app/embedder/src');
}

const VALID_EMBED: InjectOptions = {
  method: 'POST',
  url: '/embed',
  payload: { inputs: ['still serving', 'after that'] },
};

/**
 * One fake-backend app for the HTTP properties, the tokenizer agreement and the regression
 * tests, so the tokenizers and their worker load once.
 */
let httpApp: EmbedderApp;
beforeAll(async () => {
  httpApp = await buildTestApp({
    config: { maxClientBatchSize: MAX_BATCH, bodyLimitBytes: BODY_LIMIT_BYTES },
    createBackend: gatedBackend().factory,
  });
});
afterAll(async () => {
  await httpApp.close();
});

describe('embedder HTTP handling (property, fake backend)', () => {
  it('answers any POST with a well-formed status, never 5xx, and keeps serving', async () => {
    await fc.assert(
      fc.asyncProperty(anyPost, async (request) => {
        const options = toInject(request);
        const { result: response, blockMs } = await longestLoopBlockMs(() =>
          injectWithin(httpApp, options),
        );
        expectWellFormed(response);
        expect(blockMs).toBeLessThan(LOOP_BLOCK_LIMIT_MS);
        const after = await injectWithin(httpApp, VALID_EMBED);
        expect(after.statusCode).toBe(200);
      }),
      { numRuns: 150 },
    );
  }, 120_000);

  it('answers any path and method with the envelope, never 5xx', async () => {
    const segment = fc.oneof(
      fc.constantFrom('v1', 'models', 'embed', 'health', 'info', 'metrics', '..', '.', ''),
      fc.string({ unit: 'binary', maxLength: 12 }).map(encodeURIComponent),
      fc.string({
        unit: fc.constantFrom('%', '2', '5', 'F', 'E0', 'A4', 'zz', '/', 'a'),
        maxLength: 12,
      }),
      fc.string({ unit: 'grapheme-ascii', minLength: 90, maxLength: 300 }).map(encodeURIComponent),
    );
    const path = fc.array(segment, { maxLength: 5 }).map((parts) => `/${parts.join('/')}`);
    const modelPath = segment.map((id) => `/v1/models/${id}`);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(path, modelPath),
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'HEAD', 'PATCH'),
        async (url, method) => {
          const response = await injectWithin(httpApp, {
            method: method as InjectOptions['method'],
            url,
            ...(method === 'POST' ? { payload: { inputs: 'x' } } : {}),
          });
          if (method !== 'HEAD') expectWellFormed(response);
          else expect(response.statusCode).toBeLessThan(500);
        },
      ),
      { numRuns: 300 },
    );
  }, 60_000);

  it('refuses batches past maxClientBatchSize with 413 and empty ones with 400, on every route', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/embed', '/embed_all', '/tokenize', '/v1/embeddings', '/similarity'),
        fc.integer({ min: 0, max: MAX_BATCH + 3 }),
        fc.nat({ max: MAX_BATCH + 3 }),
        async (url, count, emptyAt) => {
          const texts = Array.from({ length: count }, (_, i) =>
            i === emptyAt ? '' : `input ${i} é😀`,
          );
          const payload =
            url === '/similarity'
              ? { inputs: { source_sentence: 'source', sentences: texts } }
              : url === '/v1/embeddings'
                ? { input: texts }
                : { inputs: texts };
          const response = await injectWithin(httpApp, { method: 'POST', url, payload });
          expectWellFormed(response);
          // /similarity embeds the source sentence too
          const inputs = url === '/similarity' ? count + 1 : count;
          if (count === 0) {
            expect(response.statusCode).toBe(400);
            expect(response.json().error_type).toBe('empty');
          } else if (inputs > MAX_BATCH) expect(response.statusCode).toBe(413);
          else if (emptyAt < count) expect(response.statusCode).toBe(400);
          else {
            expect(response.statusCode).toBe(200);
            const body = response.json();
            expect(url === '/v1/embeddings' ? body.data : body).toHaveLength(count);
          }
        },
      ),
      { numRuns: 120 },
    );
  }, 60_000);

  it('refuses a body past bodyLimitBytes with 413 and takes one just under it', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: -16, max: 16 }),
        fc.constantFrom('a', 'é', '中', ',', ' '),
        async (offset, unit) => {
          const overhead = '{"inputs":""}'.length;
          const unitBytes = Buffer.byteLength(unit);
          const n = Math.floor((BODY_LIMIT_BYTES + offset - overhead) / unitBytes);
          const payload = `{"inputs":"${unit.repeat(n)}"}`;
          const bytes = Buffer.byteLength(payload);
          const response = await injectWithin(httpApp, {
            method: 'POST',
            url: '/embed',
            headers: { 'content-type': 'application/json' },
            payload,
          });
          expectWellFormed(response);
          expect(response.statusCode).toBe(bytes > BODY_LIMIT_BYTES ? 413 : 200);
        },
      ),
      { numRuns: 24 },
    );
  }, 60_000);

  it('answers every valid request 200 with one vector per input, each of the model width', async () => {
    const validPost = fc.constantFrom('/embed', '/v1/embeddings', '/embed_all').chain((url) =>
      fc.record({
        url: fc.constant(url),
        texts: fc.array(validText, { minLength: 1, maxLength: MAX_BATCH }),
        asString: fc.boolean(),
      }),
    );
    await fc.assert(
      fc.asyncProperty(validPost, async ({ url, texts, asString }) => {
        const inputs = asString ? (texts[0] as string) : texts;
        const count = asString ? 1 : texts.length;
        const payload = url === '/v1/embeddings' ? { input: inputs } : { inputs };
        fc.pre(Buffer.byteLength(JSON.stringify(payload)) <= BODY_LIMIT_BYTES);
        const response = await injectWithin(httpApp, { method: 'POST', url, payload });
        expect(response.statusCode, response.body.slice(0, 300)).toBe(200);
        const vectors: unknown[] =
          url === '/v1/embeddings'
            ? response.json<{ data: { embedding: number[] }[] }>().data.map((d) => d.embedding)
            : response.json();
        expect(vectors).toHaveLength(count);
        for (const vector of vectors) {
          if (url === '/embed_all') {
            const tokens = vector as number[][];
            expect(tokens.length).toBeGreaterThanOrEqual(2);
            expect(tokens.length).toBeLessThanOrEqual(MAX_INPUT_TOKENS);
            for (const token of tokens) expect(token).toHaveLength(DIMENSIONS);
          } else expect(vector).toHaveLength(DIMENSIONS);
        }
      }),
      { numRuns: 60 },
    );
  }, 60_000);
});

describe('embedder tokenizers agree (property, fake backend)', () => {
  // Characters of everyday scripts, with the odd ones above and CJK past the BMP. Not all of
  // Unicode: ~900 code points added in recent Unicode versions (e.g. U+2E43, U+1AC0) are
  // punctuation or marks to the JS tokenizer's tables and not to Rust `tokenizers`' older ones,
  // so the two split or strip them differently; rare, and only Rust's tables would fix it.
  const everydayChar = fc.constantFrom(
    ...new Set(
      "aZ09 ,.;:!?-'()[]{}@#%&*/ßéñøåçæœÅİıﬁ ПриветΚαλημέρα中文日本語한국어مرحباשלוםनमस्तेสวัสดี😀👍🏽𠀀𪜀𫝀\u{2F800}",
    ),
  );
  const agreeText = fc.string({
    unit: fc.oneof(everydayChar, oddChar),
    minLength: 1,
    maxLength: 300,
  });

  it('/embed runs as many tokens as /tokenize returns, up to the model limit', async () => {
    await fc.assert(
      fc.asyncProperty(agreeText, async (text) => {
        const tokenized = await injectWithin(httpApp, {
          method: 'POST',
          url: '/tokenize',
          payload: { inputs: text },
        });
        expect(tokenized.statusCode).toBe(200);
        const tokens = (tokenized.json<unknown[][]>()[0] as unknown[]).length;
        const embedded = await injectWithin(httpApp, {
          method: 'POST',
          url: '/embed',
          payload: { inputs: text, truncate: true },
        });
        expect(embedded.statusCode).toBe(200);
        expect(Number(embedded.headers['x-compute-tokens'])).toBe(
          Math.min(tokens, MAX_INPUT_TOKENS),
        );
      }),
      { numRuns: 150 },
    );
  }, 60_000);
});

describe('embedder admission (property, held backend)', () => {
  const MAX_CONCURRENT = 3;
  const gate = gatedBackend();
  let app: EmbedderApp;

  beforeAll(async () => {
    app = await buildTestApp({
      config: { maxConcurrentRequests: MAX_CONCURRENT },
      createBackend: gate.factory,
    });
  });
  afterAll(async () => {
    gate.release();
    await app.close();
  });

  it('answers exactly the requests past maxConcurrentRequests 429, then serves the rest and more', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom('/embed', '/embed_all', '/v1/embeddings', '/similarity'), {
          minLength: 1,
          maxLength: 7,
        }),
        fc.constantFrom('/tokenize', '/decode'),
        async (urls, lightUrl) => {
          gate.hold();
          const bodyFor = (url: string) =>
            url === '/v1/embeddings'
              ? { input: 'x' }
              : url === '/similarity'
                ? { inputs: { source_sentence: 'x', sentences: ['y'] } }
                : { inputs: 'x' };
          const pending = urls.map((url) =>
            app.inject({ method: 'POST', url, payload: bodyFor(url) }),
          );
          // Admission happens before the model runs: wait until the queue holds what it took.
          const admitted = Math.min(urls.length, MAX_CONCURRENT);
          for (let i = 0; i < 200 && app.embedder.admittedRequests < admitted; i++) {
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
          // A full queue refuses the work that does not enter it too.
          const light = await app.inject({
            method: 'POST',
            url: lightUrl,
            payload: lightUrl === '/decode' ? { ids: [101, 102] } : { inputs: 'x' },
          });
          expectWellFormed(light);
          expect(light.statusCode).toBe(urls.length >= MAX_CONCURRENT ? 429 : 200);
          gate.release();
          const responses = await Promise.all(pending);
          for (const response of responses) expectWellFormed(response);
          const statuses = responses.map((r) => r.statusCode);
          expect(statuses.filter((s) => s === 429)).toHaveLength(urls.length - admitted);
          expect(statuses.filter((s) => s === 200)).toHaveLength(admitted);
          expect((await app.inject(VALID_EMBED)).statusCode).toBe(200);
        },
      ),
      { numRuns: 30 },
    );
  }, 60_000);
});

describe('embedder vectors (property, real model)', () => {
  let app: EmbedderApp;

  beforeAll(async () => {
    app = await buildTestApp({ config: { maxClientBatchSize: MAX_BATCH } });
  }, 120_000);
  afterAll(async () => {
    await app.close();
  });

  const embed = async (inputs: string | string[], extra: Record<string, unknown> = {}) => {
    const response = await injectWithin(app, {
      method: 'POST',
      url: '/embed',
      payload: { inputs, ...extra },
    });
    return response;
  };
  const modelText = fc.oneof(
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 120 }),
    fc.string({ unit: oddChar, minLength: 1, maxLength: 120 }),
  );

  it('one finite vector per input in order, unit-norm when normalised, deterministic, equal to per-item answers', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(modelText, { minLength: 1, maxLength: 5 }),
        fc.option(fc.boolean(), { nil: undefined }),
        async (texts, normalize) => {
          const flags = normalize === undefined ? {} : { normalize };
          const first = await embed(texts, flags);
          expect(first.statusCode, first.body.slice(0, 300)).toBe(200);
          const batch = first.json<number[][]>();
          expect(batch).toHaveLength(texts.length);
          for (const vector of batch) {
            expect(vector).toHaveLength(DIMENSIONS);
            expect(vector.every(Number.isFinite)).toBe(true);
            if (normalize !== false) expect(norm(vector)).toBeCloseTo(1, 4);
          }
          // Same request, same vectors.
          const again = (await embed(texts, flags)).json<number[][]>();
          again.forEach((vector, i) => {
            const previous = batch[i] as number[];
            for (let d = 0; d < DIMENSIONS; d++) {
              expect(Math.abs((vector[d] as number) - (previous[d] as number))).toBeLessThan(1e-5);
            }
          });
          // Batching invariance: each input alone gives the vector it got in the batch.
          for (const [i, text] of texts.entries()) {
            const alone = (await embed(text, flags)).json<number[][]>()[0] as number[];
            expect(cosine(alone, batch[i] as number[])).toBeGreaterThan(0.9999);
            expect(norm(alone)).toBeCloseTo(norm(batch[i] as number[]), 3);
          }
        },
      ),
      { numRuns: 12 },
    );
  }, 120_000);

  it('/v1/embeddings (float and base64), /similarity and POST / agree with /embed', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(modelText, { minLength: 2, maxLength: 4 }), async (texts) => {
        const reference = (await embed(texts)).json<number[][]>();
        const post = (url: string, payload: object) =>
          injectWithin(app, { method: 'POST', url, payload });

        const floats = (await post('/v1/embeddings', { input: texts })).json<{
          data: { index: number; embedding: number[] }[];
        }>();
        const base64 = (
          await post('/v1/embeddings', { input: texts, encoding_format: 'base64' })
        ).json<{ data: { index: number; embedding: string }[] }>();
        texts.forEach((_, i) => {
          expect(floats.data[i]?.index).toBe(i);
          const expected = reference[i] as number[];
          const got = floats.data[i]?.embedding as number[];
          expect(cosine(got, expected)).toBeGreaterThan(0.9999);
          // base64 is the float32 bytes, little-endian, of the same vector
          const bytes = Buffer.from(base64.data[i]?.embedding as string, 'base64');
          expect(bytes.length).toBe(DIMENSIONS * 4);
          const decoded = Array.from({ length: DIMENSIONS }, (_, d) => bytes.readFloatLE(d * 4));
          expect(cosine(decoded, expected)).toBeGreaterThan(0.9999);
        });

        const [source, ...sentences] = texts as [string, ...string[]];
        const body = { inputs: { source_sentence: source, sentences } };
        for (const url of ['/similarity', '/']) {
          const scores = (await post(url, body)).json<number[]>();
          expect(scores).toHaveLength(sentences.length);
          scores.forEach((score, k) => {
            const expected = cosine(reference[0] as number[], reference[k + 1] as number[]);
            expect(Math.abs(score - expected)).toBeLessThan(1e-4);
          });
        }
      }),
      { numRuns: 8 },
    );
  }, 120_000);

  it('truncates at the model limit: tokens counted as /tokenize counts them, the tail past 256 tokens ignored, 413 without truncate', async () => {
    const longText = fc
      .tuple(
        fc.array(fc.constantFrom('a', 'word', 'kafka,', 'é', '中', '😀', 'x9q', '\u200b', '—'), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.integer({ min: 40, max: 500 }),
      )
      .map(([words, n]) => Array.from({ length: n }, (_, i) => words[i % words.length]).join(' '));
    await fc.assert(
      fc.asyncProperty(longText, async (text) => {
        const tokenized = await injectWithin(app, {
          method: 'POST',
          url: '/tokenize',
          payload: { inputs: text },
        });
        expect(tokenized.statusCode).toBe(200);
        const tokens = (tokenized.json<unknown[][]>()[0] as unknown[]).length;

        const cut = await embed(text, { truncate: true });
        expect(cut.statusCode).toBe(200);
        expect(Number(cut.headers['x-compute-tokens'])).toBe(Math.min(tokens, MAX_INPUT_TOKENS));

        const strict = await embed(text, { truncate: false });
        expectWellFormed(strict);
        expect(strict.statusCode).toBe(tokens > MAX_INPUT_TOKENS ? 413 : 200);

        // Past the limit, what follows the 255th token changes nothing.
        const extended = await embed(`${text} and then a tail that is never read`, {
          truncate: true,
        });
        const [a] = cut.json<number[][]>();
        const [b] = extended.json<number[][]>();
        if (tokens >= MAX_INPUT_TOKENS) {
          expect(cosine(a as number[], b as number[])).toBeGreaterThan(0.99999);
        }
      }),
      { numRuns: 10 },
    );
  }, 120_000);
});

describe('embedder event loop under 2 MiB bodies (property, fake backend)', () => {
  let app: EmbedderApp;

  beforeAll(async () => {
    app = await buildTestApp({ createBackend: gatedBackend().factory });
  });
  afterAll(async () => {
    await app.close();
  });

  it('never holds the event loop for seconds, whatever 2 MiB body arrives', async () => {
    const limit = app.embedder.config.bodyLimitBytes;
    const bigBody = fc
      .record({
        url: fc.constantFrom('/embed', '/v1/embeddings', '/similarity'),
        unit: fc.constantFrom(',', 'a,', '中', 'é', '\u200b', 'word ', '😀', '\ud800', 'x'),
        inputs: fc.integer({ min: 1, max: 64 }),
        fill: fc.double({ min: 0.4, max: 0.99, noNaN: true }),
      })
      .map(({ url, unit, inputs, fill }) => {
        // JSON escapes control characters and lone surrogates: size by what goes on the wire.
        const wireBytes = Buffer.byteLength(JSON.stringify(unit)) - 2;
        const perInput = Math.floor((limit * fill) / inputs / wireBytes);
        const texts = Array.from({ length: inputs }, () => unit.repeat(perInput));
        const payload =
          url === '/v1/embeddings'
            ? { input: texts }
            : url === '/similarity'
              ? { inputs: { source_sentence: unit, sentences: texts.slice(1).concat(unit) } }
              : { inputs: texts };
        return { url, unit, inputs, payload: JSON.stringify(payload) };
      });
    await fc.assert(
      fc.asyncProperty(bigBody, async ({ url, payload }) => {
        const { result: response, blockMs } = await longestLoopBlockMs(() =>
          injectWithin(
            app,
            { method: 'POST', url, headers: { 'content-type': 'application/json' }, payload },
            60_000,
          ),
        );
        expectWellFormed(response);
        expect(response.statusCode).toBe(200);
        expect(blockMs).toBeLessThan(LOOP_BLOCK_LIMIT_MS);
      }),
      { numRuns: 3 },
    );
  }, 180_000);
});

describe('embedder counter-examples (regression)', () => {
  it("fails when a path cannot be percent-decoded with the envelope, not fastify's own body (was {error, code, message, statusCode})", async () => {
    const response = await httpApp.inject({ method: 'GET', url: '/%' });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      error: "'/%' is not a valid url component",
      error_type: 'validation',
    });
  });

  it('fails when a model id holds a bare % with 404, not 500 (decodeURIComponent threw URIError)', async () => {
    // As fast-check shrank it, and the shortest form of the same bug.
    for (const url of [`/v1/models/${'%20'.repeat(65)}%25${'%20'.repeat(24)}`, '/v1/models/%25']) {
      const response = await httpApp.inject({ method: 'GET', url });
      expect(response.statusCode).toBe(404);
      expect(response.json().error_type).toBe('not_found');
    }
    // The id with its slash encoded still matches.
    const encoded = await httpApp.inject({
      method: 'GET',
      url: `/v1/models/${encodeURIComponent(httpApp.embedder.info.modelId ?? '')}`,
    });
    expect(encoded.statusCode).toBe(200);
  });

  it('embeds "𠀀0" as /tokenize and TEI split it, 4 tokens, not 3 (the JS tokenizer missed CJK past the BMP)', async () => {
    const tokenized = await httpApp.inject({
      method: 'POST',
      url: '/tokenize',
      payload: { inputs: '𠀀0' },
    });
    expect(tokenized.json<unknown[][]>()[0]).toHaveLength(4);
    const embedded = await httpApp.inject({
      method: 'POST',
      url: '/embed',
      payload: { inputs: '𠀀0' },
    });
    expect(embedded.statusCode).toBe(200);
    expect(embedded.headers['x-compute-tokens']).toBe('4');
  });

  it('tokenizes 60,000 commas without holding the event loop for seconds (offsets were re-encoded per token)', async () => {
    const text = ','.repeat(60_000);
    const { result: response, blockMs } = await longestLoopBlockMs(() =>
      injectWithin(httpApp, { method: 'POST', url: '/tokenize', payload: { inputs: text } }),
    );
    expect(response.statusCode).toBe(200);
    const [tokens] =
      response.json<{ text: string; start: number | null; stop: number | null }[][]>();
    expect(tokens).toHaveLength(60_002);
    expect(tokens?.[60_000]).toMatchObject({ text: ',', start: 59_999, stop: 60_000 });
    expect(blockMs).toBeLessThan(LOOP_BLOCK_LIMIT_MS);
  }, 60_000);
});
