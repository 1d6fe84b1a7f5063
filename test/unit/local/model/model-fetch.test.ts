import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MODEL_FILE_NAMES } from '../../../../app/common/model-files.js';
import { OPENVINO_VERSION } from '../../../../local/cache-paths.js';
import {
  checkModelDir,
  FP32_GRAPH_SHA256,
  MODEL_VARIANTS,
  modelRecipe,
  WEIGHT_INT8_SHA256,
} from '../../../../local/model/model-fetch.js';

describe('model build pins', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('names a file of the model directory contract for every runtime and precision', () => {
    for (const runtime of Object.values(MODEL_VARIANTS)) {
      for (const file of Object.values(runtime)) expect(MODEL_FILE_NAMES).toContain(file);
    }
    expect(FP32_GRAPH_SHA256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("pins OpenVINO's int8, the weight-compressed IR and its weights, by sha256", () => {
    expect(MODEL_VARIANTS.openvino.int8).toBe('model-int8-wc-ov.xml');
    expect(Object.keys(WEIGHT_INT8_SHA256)).toEqual([
      'model-int8-wc-ov.xml',
      'model-int8-wc-ov.bin',
    ]);
    for (const [file, sha256] of Object.entries(WEIGHT_INT8_SHA256)) {
      expect(MODEL_FILE_NAMES).toContain(file);
      expect(sha256).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it('pins every build package to one version, OpenVINO to the runtime the cache names', async () => {
    const lines = (await readFile('local/model/build-requirements.txt', 'utf8'))
      .split('\n')
      .filter((l) => l.trim() !== '' && !l.startsWith('#'));
    for (const line of lines) expect(line).toMatch(/^[A-Za-z0-9_.-]+==[0-9][\w.]*$/);
    expect(lines).toContain(`openvino==${OPENVINO_VERSION}`);
    for (const pkg of ['nncf', 'onnx', 'onnxruntime', 'numpy', 'safetensors']) {
      expect(lines.some((l) => l.startsWith(`${pkg}==`))).toBe(true);
    }
  });

  it('finds every file and the manifest missing in an empty directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'meshrag-model-unit-'));
    dirs.push(dir);
    const problems = await checkModelDir(dir, await modelRecipe());
    expect(problems.map((p) => [p.file, p.kind])).toEqual([
      ...MODEL_FILE_NAMES.map((name) => [name, 'missing']),
      ['manifest.json', 'missing'],
    ]);
  });
});
