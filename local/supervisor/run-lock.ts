/**
 * One `up` or `down` at a time per run directory: two racing would spawn services twice or
 * stop what the other is starting. The lock is a file created exclusively, holding the pid; a
 * lock left by a process that died is taken over.
 */
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

export const RUN_LOCK_FILE = 'lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs `body` holding the run directory's lock.
 * @throws Error naming the other process when it holds the lock
 */
export async function withRunLock<T>(runDir: string, body: () => Promise<T>): Promise<T> {
  await mkdir(runDir, { recursive: true });
  const file = join(runDir, RUN_LOCK_FILE);
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw error;
      const holder = Number.parseInt(await readFile(file, 'utf8').catch(() => ''), 10);
      if (Number.isInteger(holder) && holder !== process.pid && alive(holder)) {
        throw new Error(
          `another \`meshrag local\` command (pid ${holder}) is starting or stopping services in ` +
            `${runDir}; wait for it to finish, or delete ${file} if no such process is running`,
        );
      }
      await rm(file, { force: true });
    }
  }
  try {
    return await body();
  } finally {
    await rm(file, { force: true });
  }
}
