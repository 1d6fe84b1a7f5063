import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveCachePaths } from '../../../../local/cache-paths.js';
import { FetchError } from '../../../../local/errors.js';
import { ensurePythonVenv } from '../../../../local/python/python-venv.js';
import { memoryReporter } from '../../../../local/reporter.js';

describe('ensurePythonVenv', () => {
  let cacheDir: string;
  let requirementsFile: string;
  beforeAll(async () => {
    cacheDir = await mkdtemp(join(tmpdir(), 'meshrag-venv-'));
    requirementsFile = join(cacheDir, 'requirements.txt');
    // Nothing to install, so the test needs no registry: it checks the venv and the stamp.
    await writeFile(requirementsFile, '# nothing pinned\n');
  });
  afterAll(async () => {
    await rm(cacheDir, { recursive: true, force: true });
  });

  const ensure = (reporter = memoryReporter()) =>
    ensurePythonVenv({
      paths: resolveCachePaths({ cacheDir }),
      reporter,
      name: 'test-client',
      requirementsFile,
    });

  it('creates the venv under <cache>/python/<name>, then finds it ready without touching it', async () => {
    const created = await ensure();
    expect(created.dir).toBe(join(cacheDir, 'python', 'test-client'));
    expect((await stat(created.python)).isFile()).toBe(true);
    const stampTime = (await stat(join(created.dir, '.meshrag-requirements.sha256'))).mtimeMs;
    const reporter = memoryReporter();
    const again = await ensure(reporter);
    expect(again).toEqual(created);
    expect(reporter.lines.join('\n')).toMatch(/test-client ready/);
    expect((await stat(join(created.dir, '.meshrag-requirements.sha256'))).mtimeMs).toBe(stampTime);
  }, 120_000);

  it('recreates the venv when the requirements change', async () => {
    await writeFile(requirementsFile, '# nothing pinned, second version\n');
    const reporter = memoryReporter();
    const venv = await ensure(reporter);
    expect(reporter.lines.join('\n')).toMatch(/requirements changed; recreating/);
    const stamp = await readFile(join(venv.dir, '.meshrag-requirements.sha256'), 'utf8');
    expect(stamp.trim()).toMatch(/^[0-9a-f]{64}$/);
  }, 120_000);

  it('fails when pip cannot install a requirement, and leaves no stamp behind', async () => {
    await writeFile(requirementsFile, 'this is not a requirement line ==\n');
    const error = await ensure().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FetchError);
    expect((error as Error).message).toMatch(/installing .*requirements\.txt/);
    await expect(
      stat(join(cacheDir, 'python', 'test-client', '.meshrag-requirements.sha256')),
    ).rejects.toThrow();
  }, 120_000);
});
