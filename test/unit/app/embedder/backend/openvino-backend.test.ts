/**
 * The OpenVINO runtime behind the backend interface: it runs in the model worker, agrees with
 * onnxruntime on the same fp32 graph, is reported by /info and a metric, and an unavailable
 * runtime either fails the boot (asked for by name) or falls back to onnxruntime with the reason
 * logged and shown (auto).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cpuHasVnni } from '../../../../../app/embedder/src/backend/cpu-has-vnni.js';
import { OnnxBackend } from '../../../../../app/embedder/src/backend/onnx-backend.js';
import { resolveCachePaths } from '../../../../../local/cache-paths.js';
import { buildTestApp, cosine } from '../../../../helpers/embedder-app.js';
import { findModelDir } from '../../../../helpers/model-dir.js';

const libDir = process.env.MESHRAG_EMBEDDER_OPENVINO_LIB_DIR ?? resolveCachePaths().openvinoLibDir;
const SEQUENCES = [Int32Array.of(101, 7592, 2088, 102), Int32Array.of(101, 102)];

// Each test loads a model (90 MB fp32 or the int8 IR); seconds alone, far more on a shared box.
const LOAD_TIMEOUT_MS = 180_000;

describe('OpenVINO backend', () => {
  it(
    'embeds in the worker thread as onnxruntime does on the same fp32 graph',
    async () => {
      const path = join(findModelDir(), 'model.onnx');
      const openvino = await OnnxBackend.startOpenVino(path, { libDir, precision: 'fp32' });
      const onnx = await OnnxBackend.start(path);
      expect(openvino.info).toMatchObject({
        runtime: 'openvino',
        precision: 'fp32',
        dimensions: 384,
      });
      expect(openvino.info.runtimeVersion).toMatch(/^2026\.4\.1/);
      const [a, b] = [await openvino.embed(SEQUENCES), await onnx.embed(SEQUENCES)];
      SEQUENCES.forEach((_, i) => {
        expect(cosine(a[i] as Float32Array, b[i] as Float32Array)).toBeGreaterThanOrEqual(0.9999);
      });
      await openvino.close();
      await onnx.close();
    },
    LOAD_TIMEOUT_MS,
  );

  it(
    'returns per-token vectors whose mean is the pooled vector, as onnxruntime does',
    async () => {
      const path = join(findModelDir(), 'model.onnx');
      const openvino = await OnnxBackend.startOpenVino(path, { libDir, precision: 'fp32' });
      const onnx = await OnnxBackend.start(path);
      const [tokens, pooled, expected] = [
        await openvino.embedTokens(SEQUENCES),
        await openvino.embed(SEQUENCES),
        await onnx.embedTokens(SEQUENCES),
      ];
      expect(tokens.map((t) => t.length)).toEqual([4 * 384, 2 * 384]);
      tokens.forEach((flat, i) => {
        const count = flat.length / 384;
        const mean = new Float32Array(384);
        for (let t = 0; t < count; t++) {
          for (let d = 0; d < 384; d++)
            mean[d] = (mean[d] as number) + (flat[t * 384 + d] as number) / count;
          const token = flat.subarray(t * 384, (t + 1) * 384);
          const other = (expected[i] as Float32Array).subarray(t * 384, (t + 1) * 384);
          expect(cosine(token, other)).toBeGreaterThanOrEqual(0.9999);
        }
        expect(cosine(mean, pooled[i] as Float32Array)).toBeGreaterThanOrEqual(0.99999);
      });
      await openvino.close();
      await onnx.close();
    },
    LOAD_TIMEOUT_MS,
  );

  it(
    'serves the weight-compressed int8 IR with dynamic quantization when int8 is asked for by name',
    async () => {
      const app = await buildTestApp({ config: { openvinoLibDir: libDir, precision: 'int8' } });
      const info = (await app.inject('/info')).json();
      const vnni = cpuHasVnni();
      expect(info.runtime).toMatchObject({
        active: 'openvino',
        model_file: 'model-int8-wc-ov.xml',
        model_variant: 'int8-weight-compressed',
        dynamic_quantization_group_size: 32,
        cpu_vnni: vnni,
      });
      expect(info.model_dtype).toBe('int8');
      expect((await app.inject('/metrics')).body).toMatch(
        new RegExp(
          `meshrag_embedder_backend_info\\{[^}]*runtime="openvino",[^}]*precision="int8",variant="int8-weight-compressed",cpu_vnni="${vnni ?? 'unknown'}",fallback="false"\\} 1`,
        ),
      );
      await app.close();
    },
    LOAD_TIMEOUT_MS,
  );

  it(
    'passes the configured group size to the plugin, 0 turning dynamic quantization off',
    async () => {
      const app = await buildTestApp({
        config: {
          openvinoLibDir: libDir,
          precision: 'int8',
          openvinoDynamicQuantizationGroupSize: 0,
        },
      });
      const info = (await app.inject('/info')).json();
      expect(info.runtime).toMatchObject({
        model_variant: 'int8-weight-compressed',
        dynamic_quantization_group_size: 0,
      });
      const response = await app.inject({
        method: 'POST',
        url: '/embed',
        payload: { inputs: 'no thanks' },
      });
      expect(response.statusCode).toBe(200);
      await app.close();
    },
    LOAD_TIMEOUT_MS,
  );

  it(
    'fails at boot when asked for by name and its library is not there',
    async () => {
      const app = await buildTestApp({
        start: false,
        config: { runtime: 'openvino', openvinoLibDir: '/nonexistent/openvino' },
      });
      await expect(app.embedder.start()).rejects.toThrow(/no libopenvino_c\.so in \/nonexistent/);
      expect(app.embedder.state).toBe('failed');
      await app.close();
    },
    LOAD_TIMEOUT_MS,
  );

  it(
    'falls back to onnxruntime under auto, saying why in /info and the metric',
    async () => {
      const app = await buildTestApp({ config: { runtime: 'auto' } });
      const info = (await app.inject('/info')).json();
      expect(info.runtime).toMatchObject({ requested: 'auto', active: 'onnxruntime' });
      expect(info.execution_provider.fallback_reason).toMatch(
        /OpenVINO unavailable, serving on onnxruntime: .*no openvinoLibDir configured/,
      );
      expect(info.model_dtype).toBe('fp32');
      const metrics = (await app.inject('/metrics')).body;
      expect(metrics).toMatch(
        /meshrag_embedder_backend_info\{[^}]*runtime="onnxruntime",.*fallback="true"\} 1/,
      );
      await app.close();
    },
    LOAD_TIMEOUT_MS,
  );

  it(
    'serves the fp32 graph by default on CPU when the runtime is there (int8 with dynamic quantization is unmeasured)',
    async () => {
      const app = await buildTestApp({ config: { openvinoLibDir: libDir } });
      const info = (await app.inject('/info')).json();
      expect(info.runtime).toMatchObject({
        active: 'openvino',
        model_file: 'model.onnx',
        model_variant: 'fp32',
        // The fp32 graph has no compressed weights: the setting does not apply.
        dynamic_quantization_group_size: null,
      });
      expect(info.model_dtype).toBe('fp32');
      expect(info.execution_provider.fallback_reason).toBeNull();
      expect((await app.inject('/metrics')).body).toMatch(
        /meshrag_embedder_backend_info\{requested="cpu",active="cpu",runtime="openvino",runtime_version="2026\.4\.1[^"]*",precision="fp32",variant="fp32",cpu_vnni="(true|false|unknown)",fallback="false"\} 1/,
      );
      const response = await app.inject({
        method: 'POST',
        url: '/embed',
        payload: { inputs: 'hi' },
      });
      expect(response.statusCode).toBe(200);
      await app.close();
    },
    LOAD_TIMEOUT_MS,
  );
});
