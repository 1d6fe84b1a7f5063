/**
 * `meshrag local up|status|down` end to end, as a person runs them: real processes, a private
 * run directory and free ports, the shared download cache.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { REPO_ROOT } from '../../../local/cache-paths.js';
import { findFreePortBlock, findFreePorts } from '../../../local/free-port.js';
import { processLiveness } from '../../../local/supervisor/process-control.js';
import type { ServiceStatus } from '../../../local/supervisor/supervisor.js';
import { readState } from '../../../local/supervisor/supervisor-state.js';

const run = promisify(execFile);

async function meshrag(args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      [join(REPO_ROOT, 'bin/meshrag.mjs'), ...args],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, MESHRAG_CACHE_DIR: inject('cacheDir') },
      },
    );
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const failed = error as { stdout: string; stderr: string; code: number };
    return { stdout: failed.stdout, stderr: failed.stderr, code: failed.code };
  }
}

describe('meshrag local', () => {
  const cleanup: string[] = [];
  afterAll(async () => {
    for (const runDir of cleanup) {
      await meshrag(['local', 'down', '--run-dir', runDir]);
      await rm(runDir, { recursive: true, force: true });
    }
  });

  it('up twice is harmless, status reports health, down leaves no process behind', async () => {
    const runDir = await mkdtemp(join(tmpdir(), 'meshrag-cli-'));
    cleanup.push(runDir);
    const [kafkaPort = 0, controllerPort = 0, chromaPort = 0, embedderPort = 0, consumerPort = 0] =
      await findFreePorts(5);
    const up = [
      'local',
      'up',
      '--run-dir',
      runDir,
      '--kafka-port',
      String(kafkaPort),
      '--kafka-controller-port',
      String(controllerPort),
      '--chroma-port',
      String(chromaPort),
      '--embedder-port',
      String(embedderPort),
      '--consumer-port',
      String(consumerPort),
    ];

    const first = await meshrag(up);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain('kafka-0: ready at');
    expect(first.stderr).toContain('chroma: ready at');
    expect(first.stderr).toContain('embedder: ready at');
    expect(first.stderr).toContain('consumer: ready at');
    const started = await readState(join(runDir, 'state.json'));
    expect(started.services.map((s) => s.name)).toEqual([
      'kafka-0',
      'chroma',
      'embedder',
      'consumer',
    ]);

    const second = await meshrag(up);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain('kafka-0: already running and healthy');
    expect(second.stderr).toContain('chroma: already running and healthy');
    expect(second.stderr).toContain('consumer: already running and healthy');
    const again = await readState(join(runDir, 'state.json'));
    expect(again.services.map((s) => s.pid)).toEqual(started.services.map((s) => s.pid));

    const status = await meshrag(['local', 'status', '--json', '--run-dir', runDir]);
    expect(status.code).toBe(0);
    const statuses = JSON.parse(status.stdout) as ServiceStatus[];
    expect(statuses.map((s) => [s.name, s.state, s.healthy])).toEqual([
      ['kafka-0', 'running', true],
      ['chroma', 'running', true],
      ['embedder', 'running', true],
      ['consumer', 'running', true],
    ]);
    expect(statuses[0]?.endpoint).toBe(`127.0.0.1:${kafkaPort}`);
    expect(statuses[1]?.endpoint).toBe(`http://127.0.0.1:${chromaPort}`);
    expect(statuses[2]?.endpoint).toContain(`:${embedderPort}`);
    expect(statuses[3]?.endpoint).toContain(`:${consumerPort}`);

    const down = await meshrag(['local', 'down', '--run-dir', runDir]);
    expect(down.code, down.stderr).toBe(0);
    for (const record of started.services) {
      expect(processLiveness(record.pid, record.argv), record.name).toBe('gone');
    }
    const after = await meshrag(['local', 'status', '--run-dir', runDir]);
    expect(after.stdout).toContain('no local services are running');
    const downAgain = await meshrag(['local', 'down', '--run-dir', runDir]);
    expect(downAgain.code).toBe(0);
    expect(downAgain.stderr).toContain('no local services are running');
  });

  it('fails when a port is taken, naming the port, and starts nothing', async () => {
    const runDir = await mkdtemp(join(tmpdir(), 'meshrag-cli-'));
    cleanup.push(runDir);
    const { createServer } = await import('node:net');
    const blocker = createServer();
    const blocked = await findFreePortBlock(1);
    await new Promise<void>((resolvePromise) =>
      blocker.listen(blocked, '127.0.0.1', resolvePromise),
    );
    try {
      const [kafkaPort = 0, controllerPort = 0] = await findFreePorts(2);
      const result = await meshrag([
        'local',
        'up',
        '--run-dir',
        runDir,
        '--kafka-port',
        String(kafkaPort),
        '--kafka-controller-port',
        String(controllerPort),
        '--chroma-port',
        String(blocked),
      ]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`port ${blocked} (http) on 127.0.0.1 is already in use`);
      expect((await readState(join(runDir, 'state.json'))).services).toEqual([]);
    } finally {
      blocker.close();
    }
  });
});
