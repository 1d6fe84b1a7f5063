import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RUN_LOCK_FILE, withRunLock } from '../../../../local/supervisor/run-lock.js';

describe('withRunLock', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });
  async function runDir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'meshrag-lock-'));
    dirs.push(dir);
    return dir;
  }

  it('holds the lock while the body runs and releases it after, also on failure', async () => {
    const dir = await runDir();
    expect(await withRunLock(dir, async () => readdir(dir))).toEqual([RUN_LOCK_FILE]);
    await expect(withRunLock(dir, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await readdir(dir)).toEqual([]);
  });

  it('takes over a lock left by a process that is gone', async () => {
    const dir = await runDir();
    await writeFile(join(dir, RUN_LOCK_FILE), `${2 ** 22 + 1}\n`);
    expect(await withRunLock(dir, async () => 'ran')).toBe('ran');
  });

  it('fails when a live process holds the lock, naming its pid', async () => {
    const dir = await runDir();
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], {
      stdio: 'ignore',
    });
    try {
      await writeFile(join(dir, RUN_LOCK_FILE), `${holder.pid}\n`);
      await expect(withRunLock(dir, async () => 'ran')).rejects.toThrow(
        `another \`meshrag local\` command (pid ${holder.pid}) is starting or stopping services`,
      );
    } finally {
      holder.kill('SIGKILL');
    }
  });
});
