import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, resolveCachePaths } from '../../../local/cache-paths.js';

describe('resolveCachePaths', () => {
  it('defaults to <repo>/.cache with the run directory inside it', () => {
    const paths = resolveCachePaths({ env: {} });
    expect(paths.cacheDir).toBe(join(REPO_ROOT, '.cache'));
    expect(paths.runDir).toBe(join(REPO_ROOT, '.cache', 'run'));
    expect(paths.stateFile).toBe(join(REPO_ROOT, '.cache', 'run', 'state.json'));
    expect(paths.logDir).toBe(join(REPO_ROOT, '.cache', 'run', 'logs'));
    expect(paths.modelDir).toBe(join(REPO_ROOT, '.cache', 'model', 'all-MiniLM-L6-v2-variants'));
  });

  it('takes MESHRAG_CACHE_DIR from the environment, and an explicit directory over it', () => {
    expect(resolveCachePaths({ env: { MESHRAG_CACHE_DIR: '/var/cache/m' } }).cacheDir).toBe(
      '/var/cache/m',
    );
    expect(resolveCachePaths({ env: { MESHRAG_CACHE_DIR: '' } }).cacheDir).toBe(
      join(REPO_ROOT, '.cache'),
    );
    const paths = resolveCachePaths({
      cacheDir: '/opt/c',
      env: { MESHRAG_CACHE_DIR: '/var/cache/m' },
    });
    expect(paths.cacheDir).toBe('/opt/c');
    expect(paths.wheelsDir).toBe('/opt/c/downloads/wheels');
  });

  it('keeps downloads in the cache when the run directory is elsewhere', () => {
    const paths = resolveCachePaths({ cacheDir: 'rel/cache', runDir: '/tmp/run-1', env: {} });
    expect(paths.cacheDir).toBe(resolve('rel/cache'));
    expect(paths.kafkaLibDir).toBe(join(resolve('rel/cache'), 'kafka'));
    expect(paths.stateFile).toBe('/tmp/run-1/state.json');
  });
});
