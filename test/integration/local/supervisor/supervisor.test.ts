/** The supervisor with small real processes: start, health, failure clean-up, restart, stop. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ServiceError } from '../../../../local/errors.js';
import { findFreePorts } from '../../../../local/free-port.js';
import { memoryReporter } from '../../../../local/reporter.js';
import { processLiveness } from '../../../../local/supervisor/process-control.js';
import type { ServiceDefinition } from '../../../../local/supervisor/service-definition.js';
import {
  type SupervisorOptions,
  serviceStatuses,
  startServices,
  stopServices,
} from '../../../../local/supervisor/supervisor.js';
import { readState } from '../../../../local/supervisor/supervisor-state.js';

function httpServer(
  name: string,
  port: number,
  extra: Partial<ServiceDefinition> = {},
): ServiceDefinition {
  return {
    name,
    ports: { http: port },
    endpoint: `http://127.0.0.1:${port}`,
    command: process.execPath,
    args: [
      '-e',
      `require('node:http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1')`,
    ],
    health: { kind: 'http', url: `http://127.0.0.1:${port}/` },
    ...extra,
  };
}

describe('supervisor', () => {
  let runDir: string;
  let options: SupervisorOptions & { reporter: ReturnType<typeof memoryReporter> };

  beforeEach(async () => {
    runDir = await mkdtemp(join(tmpdir(), 'meshrag-supervisor-'));
    options = {
      stateFile: join(runDir, 'state.json'),
      logDir: join(runDir, 'logs'),
      runDir,
      reporter: memoryReporter(),
    };
  });
  afterEach(async () => {
    await stopServices(options);
    await rm(runDir, { recursive: true, force: true });
  });

  it('starts dependants after their dependencies and stops everything it started', async () => {
    const [a = 0, b = 0] = await findFreePorts(2);
    const outcome = await startServices(
      [httpServer('web', b, { dependsOn: ['api'] }), httpServer('api', a)],
      options,
    );
    expect(outcome.started.map((s) => [s.name, s.wave])).toEqual([
      ['api', 0],
      ['web', 1],
    ]);
    const statuses = await serviceStatuses(options);
    expect(statuses.every((s) => s.healthy && s.state === 'running')).toBe(true);

    const stopped = await stopServices(options);
    expect(stopped).toHaveLength(2);
    for (const record of outcome.started)
      expect(processLiveness(record.pid, record.argv)).toBe('gone');
    expect((await readState(options.stateFile)).services).toEqual([]);
  });

  it('fails when a service never becomes healthy, and stops what the call started', async () => {
    const [good = 0, silent = 0] = await findFreePorts(2);
    const never: ServiceDefinition = {
      ...httpServer('never', silent),
      args: ['-e', 'setInterval(() => {}, 1000)'],
      startTimeoutMs: 1_500,
    };
    const failure = startServices([httpServer('good', good), never], options);
    await expect(failure).rejects.toThrow(ServiceError);
    await expect(failure).rejects.toThrow(/never did not become healthy within 1500 ms/);
    expect(options.reporter.lines.join('\n')).toContain(
      'start failed; stopping what this call started: good, never',
    );
    expect((await readState(options.stateFile)).services).toEqual([]);
    expect(await serviceStatuses(options)).toEqual([]);
  });

  it('fails when interrupted while waiting, and stops what the call started', async () => {
    const [port = 0] = await findFreePorts(1);
    const never: ServiceDefinition = {
      ...httpServer('never', port),
      args: ['-e', 'setInterval(() => {}, 1000)'],
    };
    const interrupt = new AbortController();
    setTimeout(() => interrupt.abort(), 500);
    await expect(startServices([never], { ...options, signal: interrupt.signal })).rejects.toThrow(
      'interrupted while waiting for never',
    );
    expect((await readState(options.stateFile)).services).toEqual([]);
  });

  it('fails when a service exits before it is healthy, quoting its log', async () => {
    const [port = 0] = await findFreePorts(1);
    const crashing: ServiceDefinition = {
      ...httpServer('crashing', port),
      args: ['-e', "console.error('boom: bad config'); process.exit(3)"],
    };
    const failure = startServices([crashing], options);
    await expect(failure).rejects.toThrow(/crashing exited before it became healthy/);
    await expect(failure).rejects.toThrow(/boom: bad config/);
  });

  it('leaves a healthy service alone and restarts one whose process died', async () => {
    const [port = 0] = await findFreePorts(1);
    const first = await startServices([httpServer('api', port)], options);
    const again = await startServices([httpServer('api', port)], options);
    expect(again.started).toEqual([]);
    expect(again.alreadyRunning.map((s) => s.pid)).toEqual(first.started.map((s) => s.pid));

    const pid = first.started[0]?.pid ?? 0;
    process.kill(pid, 'SIGKILL');
    await expect.poll(() => processLiveness(pid, first.started[0]?.argv ?? [])).toBe('gone');
    const restarted = await startServices([httpServer('api', port)], options);
    expect(restarted.started).toHaveLength(1);
    expect(restarted.started[0]?.pid).not.toBe(pid);
  });

  it('fails when asked to run other settings over running services', async () => {
    const [port = 0, other = 0] = await findFreePorts(2);
    await startServices([httpServer('api', port)], options);
    await expect(startServices([httpServer('api', other)], options)).rejects.toThrow(
      /api is already running .* with other settings than requested; run `meshrag local down` first/,
    );
  });
});
