import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { markRunDir, purgeRunDir, RUN_DIR_MARKER } from '../../../local/local-services.js';

describe('run directory marker (local down --purge deletes only what local up created)', () => {
  it('purges a run directory that local up marked', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'meshrag-run-'));
    const runDir = join(parent, 'run');
    try {
      await markRunDir(runDir);
      await mkdir(join(runDir, 'logs'));
      expect(await readdir(runDir)).toContain(RUN_DIR_MARKER);
      expect(await purgeRunDir(runDir)).toBe(true);
      expect(await readdir(parent)).toEqual([]);
      expect(await purgeRunDir(runDir)).toBe(false); // already gone: nothing to do
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });

  it('fails when --run-dir names a directory local up did not create, deleting nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'meshrag-not-run-'));
    try {
      await writeFile(join(dir, 'thesis.tex'), 'years of work');
      await expect(purgeRunDir(dir)).rejects.toThrow(/was not created by `meshrag local up`/);
      // and local up refuses to adopt it as a run directory in the first place
      await expect(markRunDir(dir)).rejects.toThrow(/is not empty and is not a meshrag run/);
      expect(await readdir(dir)).toEqual(['thesis.tex']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('adopts a run directory from before the marker existed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'meshrag-old-run-'));
    try {
      await mkdir(join(dir, 'kafka'));
      await writeFile(join(dir, 'state.json'), '{}');
      await markRunDir(dir);
      expect(await purgeRunDir(dir)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
