import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveCachePaths } from '../../../../local/cache-paths.js';
import { FetchError } from '../../../../local/errors.js';
import {
  ensureKubeBinaries,
  KUBERNETES_VERSION,
  kubeBinDir,
} from '../../../../local/kube-apiserver/kube-binaries.js';
import { memoryReporter } from '../../../../local/reporter.js';

describe('ensureKubeBinaries', () => {
  let cacheDir: string;
  beforeEach(async () => {
    cacheDir = await mkdtemp(join(tmpdir(), 'meshrag-kube-bin-'));
  });
  afterEach(async () => {
    await rm(cacheDir, { recursive: true, force: true });
  });

  it('keeps the binaries of one Kubernetes version under <cache>/kube/<version>/bin', () => {
    expect(kubeBinDir(resolveCachePaths({ cacheDir }))).toBe(
      join(cacheDir, 'kube', KUBERNETES_VERSION, 'bin'),
    );
  });

  it('fails when Go cannot be run, naming the command and what it was for', async () => {
    const reporter = memoryReporter();
    const attempt = ensureKubeBinaries({
      paths: resolveCachePaths({ cacheDir }),
      reporter,
      go: join(cacheDir, 'no-such-go'),
    });
    await expect(attempt).rejects.toBeInstanceOf(FetchError);
    await expect(attempt).rejects.toThrow(
      /listing the Go packages of etcd .* failed: could not run `.*no-such-go list -deps go\.etcd\.io\/etcd\/server\/v3`.*is `.*no-such-go` installed and on the PATH\?/,
    );
    expect(reporter.lines[0]).toMatch(/building with Go into .*kube\/1\.34\.4\/bin/);
  });
});
