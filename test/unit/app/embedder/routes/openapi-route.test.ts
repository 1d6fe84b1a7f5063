import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbedderApp } from '../../../../../app/embedder/src/app.js';
import { buildTestApp } from '../../../../helpers/embedder-app.js';

interface OpenApiDocument {
  openapi: string;
  paths: Record<
    string,
    Record<string, { requestBody?: unknown; responses: Record<string, unknown> }>
  >;
}

describe('GET /openapi.json and /docs', () => {
  let app: EmbedderApp;
  beforeAll(async () => {
    // The document comes from the route schemas; the model need not be loaded.
    app = await buildTestApp({ start: false });
    await app.ready();
  }, 120_000);
  afterAll(async () => {
    await app.close();
  });

  it('documents every API route from its schema, with the error envelope on errors', async () => {
    const response = await app.inject('/openapi.json');
    expect(response.statusCode).toBe(200);
    const doc = response.json<OpenApiDocument>();
    expect(doc.openapi).toMatch(/^3\./);
    const expected: [string, string][] = [
      ['/', 'post'],
      ['/', 'get'],
      ['/embed', 'post'],
      ['/embed_all', 'post'],
      ['/similarity', 'post'],
      ['/tokenize', 'post'],
      ['/decode', 'post'],
      ['/v1/embeddings', 'post'],
      ['/embeddings', 'post'],
      ['/v1/models', 'get'],
      ['/health', 'get'],
      ['/info', 'get'],
    ];
    for (const [path, method] of expected) {
      expect(doc.paths[path]?.[method], `${method} ${path}`).toBeDefined();
    }
    const embed = doc.paths['/embed']?.post;
    expect(JSON.stringify(embed?.requestBody)).toContain('inputs');
    expect(JSON.stringify(embed?.responses['4XX'])).toContain('error_type');
    expect(Object.keys(doc.paths).some((path) => path.startsWith('/v1/models/'))).toBe(true);
    expect(doc.paths['/openapi.json']).toBeUndefined();
  });

  it("serves the same document at TEI's path, /api-doc/openapi.json", async () => {
    const tei = await app.inject('/api-doc/openapi.json');
    expect(tei.statusCode).toBe(200);
    expect(tei.json()).toEqual((await app.inject('/openapi.json')).json());
  });

  it('serves the Swagger UI page at /docs', async () => {
    const response = await app.inject('/docs/');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/text\/html/);
    expect(response.body).toContain('swagger');
  });
});
