/**
 * Starts, checks and stops the local services. Each runs detached in its own process group
 * with stdout/stderr in a log file; the state file records what was started so that `down`
 * and `status` work from any shell. A service counts as started only once its health check
 * passes; if any fails, everything this call started is stopped again.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ServiceError } from '../errors.js';
import type { Reporter } from '../reporter.js';
import { checkHealth, type HealthResult } from './health-check.js';
import { processLiveness, stopProcess } from './process-control.js';
import { withRunLock } from './run-lock.js';
import type { ServiceDefinition } from './service-definition.js';
import {
  readState,
  type ServiceRecord,
  type SupervisorState,
  withoutService,
  withService,
  writeState,
} from './supervisor-state.js';

const DEFAULT_START_TIMEOUT_MS = 90_000;
const DEFAULT_STOP_TIMEOUT_MS = 15_000;
const HEALTH_POLL_MS = 250;
const LOG_TAIL_LINES = 20;

export interface SupervisorOptions {
  /** The state file, `<runDir>/state.json`. */
  readonly stateFile: string;
  /** Where stdout/stderr of each service go, as `<name>.console.log`. */
  readonly logDir: string;
  /** Working directory for services that name none. */
  readonly runDir: string;
  readonly reporter: Reporter;
  /**
   * Aborting (Ctrl-C) stops waiting; what this call started is stopped again.
   * @default - not abortable
   */
  readonly signal?: AbortSignal;
}

export interface StartOutcome {
  /** Services this call spawned. */
  readonly started: readonly ServiceRecord[];
  /** Services that were already running and healthy. */
  readonly alreadyRunning: readonly ServiceRecord[];
}

/**
 * Groups definitions into waves: each wave depends only on earlier ones.
 * @throws Error on an unknown dependency or a cycle
 */
export function startWaves(definitions: readonly ServiceDefinition[]): ServiceDefinition[][] {
  const names = new Set(definitions.map((d) => d.name));
  if (names.size !== definitions.length) {
    throw new Error(`service names must be unique: ${definitions.map((d) => d.name).join(', ')}`);
  }
  for (const definition of definitions) {
    for (const dependency of definition.dependsOn ?? []) {
      if (!names.has(dependency)) {
        throw new Error(`service ${definition.name} depends on unknown service ${dependency}`);
      }
    }
  }
  const waves: ServiceDefinition[][] = [];
  const placed = new Set<string>();
  let remaining = [...definitions];
  while (remaining.length > 0) {
    const wave = remaining.filter((d) => (d.dependsOn ?? []).every((dep) => placed.has(dep)));
    if (wave.length === 0) {
      throw new Error(
        `services depend on each other in a cycle: ${remaining.map((d) => d.name).join(', ')}`,
      );
    }
    for (const d of wave) placed.add(d.name);
    remaining = remaining.filter((d) => !placed.has(d.name));
    waves.push(wave);
  }
  return waves;
}

/** Whether the definition would run the same thing that the record says is running. */
function sameService(record: ServiceRecord, definition: ServiceDefinition): boolean {
  const argv = [definition.command, ...definition.args];
  return (
    JSON.stringify(record.ports) === JSON.stringify(definition.ports) &&
    record.argv.length === argv.length &&
    record.argv.every((value, i) => value === argv[i])
  );
}

/**
 * Brings every definition to running-and-healthy. Services already running with the same
 * settings are left alone; ones whose process died are started again.
 * @throws ServiceError when a service fails; everything this call started is stopped first
 */
export async function startServices(
  definitions: readonly ServiceDefinition[],
  options: SupervisorOptions,
): Promise<StartOutcome> {
  return withRunLock(dirname(options.stateFile), () => startLocked(definitions, options));
}

async function startLocked(
  definitions: readonly ServiceDefinition[],
  options: SupervisorOptions,
): Promise<StartOutcome> {
  const { reporter } = options;
  const waves = startWaves(definitions);
  let state = await readState(options.stateFile);

  // Refuse to mix settings: a different set of running services means `down` first.
  const wanted = new Map(definitions.map((d) => [d.name, d]));
  for (const record of state.services) {
    if (processLiveness(record.pid, record.argv) !== 'running') {
      state = withoutService(state, record.name);
      continue;
    }
    const definition = wanted.get(record.name);
    if (!definition || !sameService(record, definition)) {
      throw new ServiceError(
        `${record.name} is already running (pid ${record.pid}, ${record.endpoint}) with other ` +
          'settings than requested; run `meshrag local down` first',
        record.name,
        record.logFile,
      );
    }
  }
  await writeState(options.stateFile, state);

  const started: ServiceRecord[] = [];
  const alreadyRunning: ServiceRecord[] = [];
  try {
    for (const [waveIndex, wave] of waves.entries()) {
      const toWait: { definition: ServiceDefinition; record: ServiceRecord; fresh: boolean }[] = [];
      const toStart = wave.filter((d) => !state.services.some((s) => s.name === d.name));
      // Check every port of the wave before spawning anything, so a clash starts nothing.
      for (const definition of toStart) await assertPortsFree(definition);
      for (const definition of wave) {
        if (options.signal?.aborted) {
          throw new ServiceError(`interrupted before starting ${definition.name}`, definition.name);
        }
        const running = state.services.find((s) => s.name === definition.name);
        if (running) {
          toWait.push({ definition, record: running, fresh: false });
          continue;
        }
        await definition.prepare?.();
        const record = await spawnService(definition, waveIndex, options);
        started.push(record);
        state = withService(state, record);
        await writeState(options.stateFile, state);
        reporter.info(`${definition.name}: started (pid ${record.pid}), waiting until healthy`);
        toWait.push({ definition, record, fresh: true });
      }
      // A Kafka quorum needs all its voters up before any is healthy: wait for the wave at once.
      // The first failure stops the other waits too.
      const waveFailed = new AbortController();
      const signal = options.signal
        ? AbortSignal.any([options.signal, waveFailed.signal])
        : waveFailed.signal;
      await Promise.all(
        toWait.map(async ({ definition, record, fresh }) => {
          const health = await waitUntilHealthy(definition, record, signal).catch((error) => {
            waveFailed.abort();
            throw error;
          });
          if (fresh) {
            reporter.info(`${definition.name}: ready at ${record.endpoint} (${health.detail})`);
          } else {
            alreadyRunning.push(record);
            reporter.info(
              `${definition.name}: already running and healthy (pid ${record.pid}, ${record.endpoint})`,
            );
          }
        }),
      );
    }
  } catch (error) {
    if (started.length > 0) {
      reporter.warn(
        `start failed; stopping what this call started: ${started.map((s) => s.name).join(', ')}`,
      );
      await stopRecords([...started].reverse(), options);
      let after = await readState(options.stateFile);
      for (const record of started) after = withoutService(after, record.name);
      await writeState(options.stateFile, after);
    }
    throw error;
  }
  return { started, alreadyRunning };
}

async function assertPortsFree(definition: ServiceDefinition): Promise<void> {
  for (const [label, port] of Object.entries(definition.ports)) {
    const free = await new Promise<boolean>((resolvePromise) => {
      const server = createServer();
      server.once('error', () => resolvePromise(false));
      server.listen({ host: '127.0.0.1', port, exclusive: true }, () =>
        server.close(() => resolvePromise(true)),
      );
    });
    if (!free) {
      throw new ServiceError(
        `${definition.name}: port ${port} (${label}) on 127.0.0.1 is already in use by another ` +
          'process; stop it or choose other ports (see `meshrag local up --help`)',
        definition.name,
      );
    }
  }
}

async function spawnService(
  definition: ServiceDefinition,
  wave: number,
  options: SupervisorOptions,
): Promise<ServiceRecord> {
  await mkdir(options.logDir, { recursive: true });
  const consoleLogFile = join(options.logDir, `${definition.name}.console.log`);
  const fd = openSync(consoleLogFile, 'a');
  try {
    const child = spawn(definition.command, definition.args, {
      cwd: definition.cwd ?? options.runDir,
      env: { ...process.env, ...definition.env },
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    const pid = await new Promise<number>((resolvePromise, reject) => {
      child.once('error', (error) =>
        reject(
          new ServiceError(
            `${definition.name}: could not start \`${definition.command}\`: ${error.message}`,
            definition.name,
            consoleLogFile,
          ),
        ),
      );
      child.once('spawn', () => resolvePromise(child.pid ?? -1));
    });
    child.unref();
    return {
      name: definition.name,
      pid,
      wave,
      argv: [definition.command, ...definition.args],
      ports: definition.ports,
      endpoint: definition.endpoint,
      health: definition.health,
      consoleLogFile,
      logFile: definition.logFile ?? consoleLogFile,
      stopTimeoutMs: definition.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS,
      startedAt: new Date().toISOString(),
    };
  } finally {
    closeSync(fd);
  }
}

async function waitUntilHealthy(
  definition: ServiceDefinition,
  record: ServiceRecord,
  signal: AbortSignal | undefined,
): Promise<HealthResult> {
  const timeoutMs = definition.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  let last: HealthResult = { healthy: false, detail: 'not checked yet' };
  for (;;) {
    if (signal?.aborted) {
      throw new ServiceError(
        `interrupted while waiting for ${definition.name}`,
        definition.name,
        record.logFile,
      );
    }
    if (processLiveness(record.pid, record.argv) !== 'running') {
      throw new ServiceError(
        `${definition.name} exited before it became healthy; see ${record.logFile}` +
          tailOf(record.consoleLogFile, record.logFile),
        definition.name,
        record.logFile,
      );
    }
    last = await checkHealth(record.health);
    if (last.healthy) return last;
    if (Date.now() >= deadline) {
      throw new ServiceError(
        `${definition.name} did not become healthy within ${timeoutMs} ms (last check: ` +
          `${last.detail}); see ${record.logFile}${tailOf(record.consoleLogFile, record.logFile)}`,
        definition.name,
        record.logFile,
      );
    }
    await sleep(HEALTH_POLL_MS);
  }
}

function tailOf(...files: string[]): string {
  const parts: string[] = [];
  for (const file of new Set(files)) {
    try {
      const lines = readFileSync(file, 'utf8').trimEnd().split('\n').slice(-LOG_TAIL_LINES);
      if (lines.join('').trim() !== '')
        parts.push(`\n--- last lines of ${file}:\n${lines.join('\n')}`);
    } catch {
      // no log yet
    }
  }
  return parts.join('');
}

async function stopRecords(
  records: readonly ServiceRecord[],
  options: Pick<SupervisorOptions, 'reporter'>,
): Promise<void> {
  await Promise.all(
    records.map(async (record) => {
      const { outcome } = await stopProcess(record.pid, record.argv, record.stopTimeoutMs);
      const how = {
        terminated: 'stopped',
        killed: `killed (did not stop within ${record.stopTimeoutMs} ms of SIGTERM)`,
        'not-running': 'was not running',
      }[outcome];
      options.reporter.info(`${record.name}: ${how} (pid ${record.pid})`);
    }),
  );
}

/**
 * Stops every service in the state file: later waves first, services of one wave together
 * (Kafka voters shut down faster side by side than one by one). Removes the state file.
 * @returns the records that were in the state file
 */
export async function stopServices(
  options: Pick<SupervisorOptions, 'stateFile' | 'reporter'>,
): Promise<readonly ServiceRecord[]> {
  return withRunLock(dirname(options.stateFile), () => stopLocked(options));
}

async function stopLocked(
  options: Pick<SupervisorOptions, 'stateFile' | 'reporter'>,
): Promise<readonly ServiceRecord[]> {
  const state = await readState(options.stateFile);
  if (state.services.length === 0) {
    options.reporter.info('no local services are running');
    return [];
  }
  // Later waves depend on earlier ones: stop them first. One wave's services stop together
  // (Kafka voters shut down faster side by side than one by one).
  const waves = [...new Set(state.services.map((s) => s.wave))].sort((a, b) => b - a);
  for (const wave of waves) {
    const records = state.services.filter((s) => s.wave === wave);
    await stopRecords(records, options);
    let after = await readState(options.stateFile);
    for (const record of records) after = withoutService(after, record.name);
    await writeState(options.stateFile, after);
  }
  return state.services;
}

export interface ServiceStatus {
  readonly name: string;
  readonly pid: number;
  readonly state: 'running' | 'exited';
  readonly healthy: boolean;
  readonly detail: string;
  readonly endpoint: string;
  readonly ports: Readonly<Record<string, number>>;
  readonly logFile: string;
  readonly startedAt: string;
}

/** Checks each recorded service: alive (and really ours) and healthy. */
export async function serviceStatuses(
  options: Pick<SupervisorOptions, 'stateFile'>,
): Promise<ServiceStatus[]> {
  const state: SupervisorState = await readState(options.stateFile);
  return Promise.all(
    state.services.map(async (record) => {
      const alive = processLiveness(record.pid, record.argv) === 'running';
      const health = alive
        ? await checkHealth(record.health)
        : { healthy: false, detail: 'process is not running' };
      return {
        name: record.name,
        pid: record.pid,
        state: alive ? 'running' : 'exited',
        healthy: health.healthy,
        detail: health.detail,
        endpoint: record.endpoint,
        ports: record.ports,
        logFile: record.logFile,
        startedAt: record.startedAt,
      } satisfies ServiceStatus;
    }),
  );
}
