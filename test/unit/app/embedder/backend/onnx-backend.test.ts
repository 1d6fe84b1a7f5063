import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { OnnxBackend } from '../../../../../app/embedder/src/backend/onnx-backend.js';
import { BackendError } from '../../../../../app/embedder/src/errors.js';
import { findModelDir } from '../../../../helpers/model-dir.js';

// The worker loads the 90 MB fp32 graph: seconds alone, far more on a shared machine.
const LOAD_TIMEOUT_MS = 120_000;

describe('OnnxBackend', () => {
  it(
    'embeds in a worker thread, in input order',
    async () => {
      const backend = await OnnxBackend.start(join(findModelDir(), 'model.onnx'));
      const vectors = await backend.embed([Int32Array.of(101, 7592, 102), Int32Array.of(101, 102)]);
      expect(vectors.map((v) => v.length)).toEqual([384, 384]);
      expect(vectors[0]).not.toEqual(vectors[1]);
      expect(backend.isAlive()).toBe(true);
      await backend.close();
      expect(backend.isAlive()).toBe(false);
      await expect(backend.embed([Int32Array.of(101, 102)])).rejects.toThrow(/closed/);
    },
    LOAD_TIMEOUT_MS,
  );

  it(
    'returns per-token vectors, padding cut off, whose mean is the pooled vector',
    async () => {
      const backend = await OnnxBackend.start(join(findModelDir(), 'model.onnx'));
      const sequences = [Int32Array.of(101, 7592, 2088, 102), Int32Array.of(101, 102)];
      const tokens = await backend.embedTokens(sequences);
      const pooled = await backend.embed(sequences);
      expect(tokens.map((t) => t.length)).toEqual([4 * 384, 2 * 384]);
      tokens.forEach((flat, i) => {
        const count = flat.length / 384;
        for (const d of [0, 100, 383]) {
          let sum = 0;
          for (let t = 0; t < count; t++) sum += flat[t * 384 + d] as number;
          expect(sum / count).toBeCloseTo(pooled[i]?.[d] as number, 5);
        }
      });
      await backend.close();
    },
    LOAD_TIMEOUT_MS,
  );

  it(
    'fails at once, and reports itself dead, after its worker exits',
    async () => {
      const backend = await OnnxBackend.start(join(findModelDir(), 'model.onnx'));
      await (Reflect.get(backend, 'worker') as Worker).terminate();
      await expect.poll(() => backend.isAlive()).toBe(false);
      await expect(backend.embed([Int32Array.of(101, 102)])).rejects.toBeInstanceOf(BackendError);
      await expect(backend.embed([Int32Array.of(101, 102)])).rejects.toThrow(/exited/);
      await backend.close();
    },
    LOAD_TIMEOUT_MS,
  );

  it(
    'fails when the model file cannot be loaded',
    async () => {
      await expect(OnnxBackend.start('/nonexistent/model.onnx')).rejects.toThrow(
        /model failed to load/,
      );
    },
    LOAD_TIMEOUT_MS,
  );
});
