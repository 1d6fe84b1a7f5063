/**
 * The state file: which processes the supervisor started, with their ports and logs, so that
 * `status` and `down` work from any later shell. Written atomically after every change.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { HealthCheck } from './service-definition.js';

export interface ServiceRecord {
  readonly name: string;
  /** Process id; also the process group id, since services are spawned detached. */
  readonly pid: number;
  /** Start wave (0 first); `down` stops the highest wave first. */
  readonly wave: number;
  /** The exact argv spawned, compared with `/proc/<pid>/cmdline` so a reused pid is never killed. */
  readonly argv: readonly string[];
  readonly ports: Readonly<Record<string, number>>;
  readonly endpoint: string;
  readonly health: HealthCheck;
  /** stdout/stderr of the process. */
  readonly consoleLogFile: string;
  /** The service's main log (its own file, or the console log). */
  readonly logFile: string;
  readonly stopTimeoutMs: number;
  /** ISO 8601. */
  readonly startedAt: string;
}

export interface SupervisorState {
  readonly schemaVersion: 1;
  /** In start order; `down` stops in reverse. */
  readonly services: readonly ServiceRecord[];
}

export const EMPTY_STATE: SupervisorState = { schemaVersion: 1, services: [] };

/**
 * Reads the state file; a missing file means nothing is running.
 * @throws Error when the file exists but is not a state file this version understands
 */
export async function readState(stateFile: string): Promise<SupervisorState> {
  let text: string;
  try {
    text = await readFile(stateFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return EMPTY_STATE;
    throw error;
  }
  return parseState(text, stateFile);
}

export function parseState(text: string, stateFile: string): SupervisorState {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(
      `state file ${stateFile} is not JSON (${(error as Error).message}); if no meshrag services ` +
        'are running, delete it',
    );
  }
  const state = parsed as Partial<SupervisorState> | null;
  if (state?.schemaVersion !== 1 || !Array.isArray(state.services)) {
    throw new Error(
      `state file ${stateFile} is not a meshrag state file (schemaVersion 1 with services); ` +
        'if no meshrag services are running, delete it',
    );
  }
  return state as SupervisorState;
}

export async function writeState(stateFile: string, state: SupervisorState): Promise<void> {
  if (state.services.length === 0) {
    await rm(stateFile, { force: true });
    return;
  }
  await mkdir(dirname(stateFile), { recursive: true });
  const tmp = `${stateFile}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`);
  await rename(tmp, stateFile);
}

/** Replaces the record with the same name, or appends it. */
export function withService(state: SupervisorState, record: ServiceRecord): SupervisorState {
  const others = state.services.filter((s) => s.name !== record.name);
  const index = state.services.findIndex((s) => s.name === record.name);
  const services = [...others];
  services.splice(index === -1 ? services.length : index, 0, record);
  return { schemaVersion: 1, services };
}

export function withoutService(state: SupervisorState, name: string): SupervisorState {
  return { schemaVersion: 1, services: state.services.filter((s) => s.name !== name) };
}
