/**
 * Signals and liveness for the processes the supervisor started. Services run detached, each
 * leading its own process group, so a signal to `-pid` reaches any children they spawn too.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export type ProcessLiveness = 'running' | 'gone' | 'other';

/**
 * Whether `pid` is alive and still the process we spawned with `argv`. `other` means the pid
 * now belongs to an unrelated process (pid reuse), which must never be signalled.
 */
export function processLiveness(pid: number, argv: readonly string[]): ProcessLiveness {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? 'other' : 'gone';
  }
  let stat: string;
  let cmdline: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    // No procfs (macOS): the signal check is all we have.
    return 'running';
  }
  // The state letter follows the parenthesised command name; Z and X are exited processes.
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  if (state === 'Z' || state === 'X') return 'gone';
  const actual = cmdline.split('\0').filter((part, i, all) => part !== '' || i < all.length - 1);
  return sameArgs(actual.slice(1), argv.slice(1)) ? 'running' : 'other';
}

function sameArgs(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/** Resolves true once the process is gone, false when `timeoutMs` passes first. */
export async function waitForExit(
  pid: number,
  argv: readonly string[],
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (processLiveness(pid, argv) === 'running') {
    if (Date.now() >= deadline) return false;
    await sleep(100);
  }
  return true;
}

export interface StopResult {
  /** How it ended: it exited on SIGTERM, needed SIGKILL, or was not running. */
  readonly outcome: 'terminated' | 'killed' | 'not-running';
}

/** SIGTERM to the process group, then SIGKILL after `timeoutMs`. */
export async function stopProcess(
  pid: number,
  argv: readonly string[],
  timeoutMs: number,
): Promise<StopResult> {
  if (processLiveness(pid, argv) !== 'running') return { outcome: 'not-running' };
  signalGroup(pid, 'SIGTERM');
  if (await waitForExit(pid, argv, timeoutMs)) {
    // Children of the group may outlive the leader by a moment; make sure none stay.
    signalGroup(pid, 'SIGKILL');
    return { outcome: 'terminated' };
  }
  signalGroup(pid, 'SIGKILL');
  await waitForExit(pid, argv, 5_000);
  return { outcome: 'killed' };
}

/** For exit hooks: SIGKILL to each group, synchronously. */
export function killGroupsNow(pids: readonly number[]): void {
  for (const pid of pids) signalGroup(pid, 'SIGKILL');
}
