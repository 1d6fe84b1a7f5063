import { describe, expect, it } from 'vitest';
import { onnxBackendFactory } from '../../../../../app/embedder/src/embedder.js';
import { buildTestApp } from '../../../../helpers/embedder-app.js';

// Each test loads the 90 MB fp32 graph: a second alone, tens of seconds on a loaded two-core
// machine, past vitest's 5 s default.
describe('GET /health, /info, /metrics', { timeout: 120_000 }, () => {
  it('reports 503 on /health until the model is loaded, then 200', async () => {
    const app = await buildTestApp({ start: false });
    const before = await app.inject('/health');
    expect(before.statusCode).toBe(503);
    expect(before.json()).toEqual({ error: 'the embedder is loading', error_type: 'unhealthy' });
    expect((await app.inject('/info')).json()).toMatchObject({ state: 'loading', model_id: null });
    await app.embedder.start();
    const after = await app.inject('/health');
    expect(after.statusCode).toBe(200);
    expect(after.json()).toEqual({ status: 'ok' });
    await app.close();
  });

  it('fails /health with 503 once the model backend is gone', async () => {
    let alive = true;
    const app = await buildTestApp({
      createBackend: async (files, config) => {
        const real = await onnxBackendFactory(files, config);
        return {
          info: real.info,
          embed: (s) => real.embed(s),
          embedTokens: (s) => real.embedTokens(s),
          isAlive: () => alive,
          close: () => real.close(),
        };
      },
    });
    expect((await app.inject('/health')).statusCode).toBe(200);
    alive = false;
    const response = await app.inject('/health');
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({
      error: 'the model backend is gone; restart the embedder',
      error_type: 'unhealthy',
    });
    await app.close();
  });

  it('describes the model, its limits and the execution provider on /info', async () => {
    // onnxruntime by name: under `auto` without OpenVINO's libraries the fallback is reported
    // (openvino-backend.test.ts covers that).
    const app = await buildTestApp({
      config: { maxBatchTokens: 4096, intraOpNumThreads: 1, runtime: 'onnxruntime' },
    });
    const info = (await app.inject('/info')).json();
    expect(info).toMatchObject({
      model_id: 'sentence-transformers/all-MiniLM-L6-v2',
      model_dtype: 'fp32',
      model_type: { embedding: { pooling: 'mean' } },
      dimensions: 384,
      max_input_length: 256,
      state: 'ready',
      execution_provider: { requested: 'cpu', active: 'cpu', fallback_reason: null },
      intra_op_num_threads: 1,
      max_batch_tokens: 4096,
      auto_truncate: true,
    });
    await app.close();
  });

  it('serves on CPU and says why when CUDA is requested but cannot load', async () => {
    const app = await buildTestApp({ config: { executionProvider: 'cuda' } });
    const info = (await app.inject('/info')).json();
    expect(info.execution_provider.requested).toBe('cuda');
    expect(info.execution_provider.active).toBe('cpu');
    expect(info.execution_provider.fallback_reason).toMatch(
      /CUDA execution provider failed to load/,
    );
    const metrics = (await app.inject('/metrics')).body;
    expect(metrics).toMatch(
      /meshrag_embedder_backend_info\{requested="cuda",active="cpu",[^}]*\} 1/,
    );
    const response = await app.inject({
      method: 'POST',
      url: '/embed',
      payload: { inputs: 'still works' },
    });
    expect(response.statusCode).toBe(200);
    await app.close();
  });

  it('exposes request, batch, queue, inference and token metrics in Prometheus format', async () => {
    const app = await buildTestApp();
    await app.inject({ method: 'POST', url: '/embed', payload: { inputs: ['a b c', 'd e'] } });
    await app.inject({ method: 'POST', url: '/embed', payload: { inputs: [] } });
    const response = await app.inject('/metrics');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    const text = response.body;
    expect(text).toContain('meshrag_embed_requests_total{route="/embed",status="200"} 1');
    expect(text).toContain('meshrag_embed_requests_total{route="/embed",status="400"} 1');
    expect(text).toContain('meshrag_embed_inputs_total 2');
    expect(text).toContain('meshrag_embed_tokens_total 9');
    expect(text).toContain('meshrag_embed_batch_size_count 1');
    expect(text).toMatch(/meshrag_embed_queue_seconds_count 2/);
    expect(text).toMatch(/meshrag_embed_inference_seconds_count 1/);
    expect(text).toContain('process_resident_memory_bytes');
    await app.close();
  });
});
