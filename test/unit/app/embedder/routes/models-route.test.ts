import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbedderApp } from '../../../../../app/embedder/src/app.js';
import { buildTestApp } from '../../../../helpers/embedder-app.js';

const MODEL = {
  id: 'sentence-transformers/all-MiniLM-L6-v2',
  object: 'model',
  owned_by: 'sentence-transformers',
};

describe('GET /v1/models and /v1/models/{id}', () => {
  let app: EmbedderApp;
  beforeAll(async () => {
    app = await buildTestApp();
  }, 120_000);
  afterAll(async () => {
    await app.close();
  });

  it('lists the one served model in OpenAI shape, created when it loaded', async () => {
    const response = await app.inject('/v1/models');
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ object: 'list', data: [MODEL] });
    const created = body.data[0].created as number;
    expect(Number.isInteger(created)).toBe(true);
    expect(Math.abs(created - Date.now() / 1000)).toBeLessThan(600);
  });

  it('retrieves the model by id, with the slash encoded (as OpenAI clients send it) or not', async () => {
    for (const url of [
      '/v1/models/sentence-transformers%2Fall-MiniLM-L6-v2',
      '/v1/models/sentence-transformers/all-MiniLM-L6-v2',
    ]) {
      const response = await app.inject(url);
      expect(response.statusCode, url).toBe(200);
      expect(response.json()).toMatchObject(MODEL);
    }
  });

  it('fails when the model id is another one (404 not_found)', async () => {
    const response = await app.inject('/v1/models/text-embedding-3-small');
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({
      error:
        'model `text-embedding-3-small` not found; this server serves `sentence-transformers/all-MiniLM-L6-v2`',
      error_type: 'not_found',
    });
  });

  it('fails with 503 before the model is loaded', async () => {
    const loading = await buildTestApp({ start: false });
    const response = await loading.inject('/v1/models');
    expect(response.statusCode).toBe(503);
    expect(response.json().error_type).toBe('unhealthy');
    await loading.close();
  });
});
