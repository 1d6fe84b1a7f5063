/** A damaged model file in the cache is found and unpacked again from the cached wheels. */
import { cp, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { loadModelFiles, ModelIntegrityError } from '../../../../app/common/model-files.js';
import { resolveCachePaths } from '../../../../local/cache-paths.js';
import { ensureModel, PINNED_MODEL_MANIFEST } from '../../../../local/model/model-fetch.js';
import { memoryReporter } from '../../../../local/reporter.js';

describe('ensureModel', () => {
  const temps: string[] = [];
  afterAll(async () => {
    for (const dir of temps) await rm(dir, { recursive: true, force: true });
  });

  async function copyOfSharedCache(): Promise<ReturnType<typeof resolveCachePaths>> {
    const cacheDir = await mkdtemp(join(tmpdir(), 'meshrag-model-'));
    temps.push(cacheDir);
    const shared = resolveCachePaths({ cacheDir: inject('cacheDir') });
    const paths = resolveCachePaths({ cacheDir });
    await cp(shared.modelDir, paths.modelDir, { recursive: true });
    await cp(shared.wheelsDir, paths.wheelsDir, { recursive: true });
    return paths;
  }

  it('detects a corrupted model.onnx and a missing tokenizer file and re-fetches them', async () => {
    const paths = await copyOfSharedCache();
    await truncate(join(paths.modelDir, 'model.onnx'), 1024);
    await rm(join(paths.modelDir, 'tokenizer_config.json'));
    await expect(loadModelFiles(paths.modelDir)).rejects.toThrow(ModelIntegrityError);

    const reporter = memoryReporter();
    const files = await ensureModel({ paths, reporter });
    const output = reporter.lines.join('\n');
    expect(output).toMatch(
      /model file model\.onnx is corrupted \(sha256 [0-9a-f]{12}…, expected 8199be6f699a…\)/,
    );
    expect(output).toContain('model file tokenizer_config.json is missing');
    expect(output).toContain('fetching it again');
    expect(files.manifest).toEqual(PINNED_MODEL_MANIFEST);
    expect((await loadModelFiles(paths.modelDir)).manifest.files['model.onnx'].sha256).toBe(
      '8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6',
    );
  });

  it('rewrites a manifest that was edited to match a tampered file', async () => {
    const paths = await copyOfSharedCache();
    await writeFile(join(paths.modelDir, 'manifest.json'), '{"schemaVersion":1}');
    const reporter = memoryReporter();
    await ensureModel({ paths, reporter });
    expect(reporter.lines.join('\n')).toContain('model file manifest.json is corrupted');
    expect((await loadModelFiles(paths.modelDir)).manifest.precision).toBe('int8');
  });
});
