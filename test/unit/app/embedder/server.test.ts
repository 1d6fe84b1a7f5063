import { pino } from 'pino';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { startServer } from '../../../../app/embedder/src/server.js';
import { testConfig } from '../../../helpers/embedder-app.js';
import { heldBackend } from './fake-backends.js';

describe('startServer', () => {
  it('drains queued requests on close before stopping the backend', async () => {
    const held = heldBackend();
    const { app, url, ready } = await startServer({
      config: testConfig({ maxBatchRequests: 1 }),
      logger: pino({ level: 'silent' }),
      createBackend: held.factory,
      handleSignals: false,
    });
    await ready;
    const inFlight = ['one', 'two', 'three'].map((text) =>
      request(`${url}/embed`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ inputs: text }),
      }),
    );
    await expect.poll(() => held.runs.length).toBe(1);
    // All three are admitted before close starts; one arriving later would rightly get a 503.
    await expect.poll(() => app.embedder.admittedRequests).toBe(3);

    let closed = false;
    const closing = app.close().then(() => {
      closed = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closed).toBe(false);
    expect(held.closed()).toBe(false);

    held.release();
    const responses = await Promise.all(inFlight);
    expect(responses.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    for (const response of responses) expect(await response.body.json()).toHaveLength(1);
    expect(held.runs).toEqual([1, 1, 1]);
    await closing;
    expect(held.closed()).toBe(true);
    await expect(request(`${url}/health`)).rejects.toThrow();
  });

  it('fails when the configured model directory is unusable, and /health stays 503', async () => {
    const { app, url, ready } = await startServer({
      config: testConfig({ modelDir: '/nonexistent' }),
      logger: pino({ level: 'silent' }),
      handleSignals: false,
    });
    await expect(ready).rejects.toThrow(/manifest/);
    const health = await request(`${url}/health`);
    expect(health.statusCode).toBe(503);
    expect(await health.body.json()).toMatchObject({ error_type: 'unhealthy' });
    await app.close();
  });
});
