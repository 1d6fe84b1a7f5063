import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  EMPTY_STATE,
  parseState,
  readState,
  type ServiceRecord,
  withoutService,
  withService,
  writeState,
} from '../../../../local/supervisor/supervisor-state.js';

function record(name: string, pid: number): ServiceRecord {
  return {
    name,
    pid,
    wave: 0,
    argv: ['node', `${name}.js`],
    ports: { http: 1000 + pid },
    endpoint: `http://127.0.0.1:${1000 + pid}`,
    health: { kind: 'process' },
    consoleLogFile: `/logs/${name}.console.log`,
    logFile: `/logs/${name}.console.log`,
    stopTimeoutMs: 1000,
    startedAt: '2026-11-23T00:00:00.000Z',
  };
}

describe('supervisor state', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('replaces a record in place and removes by name', () => {
    let state = withService(EMPTY_STATE, record('kafka-0', 1));
    state = withService(state, record('chroma', 2));
    state = withService(state, record('kafka-0', 3));
    expect(state.services.map((s) => [s.name, s.pid])).toEqual([
      ['kafka-0', 3],
      ['chroma', 2],
    ]);
    expect(withoutService(state, 'kafka-0').services.map((s) => s.name)).toEqual(['chroma']);
  });

  it('round-trips through the file and deletes it when empty', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'meshrag-state-'));
    dirs.push(dir);
    const file = join(dir, 'run', 'state.json');
    expect(await readState(file)).toEqual(EMPTY_STATE);
    const state = withService(EMPTY_STATE, record('chroma', 7));
    await writeState(file, state);
    expect(await readState(file)).toEqual(state);
    await writeState(file, EMPTY_STATE);
    expect(await readdir(join(dir, 'run'))).toEqual([]);
  });

  it('fails when the file is not a state file, saying what to do', () => {
    expect(() => parseState('{', '/r/state.json')).toThrow(
      /state file \/r\/state.json is not JSON/,
    );
    expect(() => parseState('{"schemaVersion":2,"services":[]}', '/r/state.json')).toThrow(
      'state file /r/state.json is not a meshrag state file (schemaVersion 1 with services); ' +
        'if no meshrag services are running, delete it',
    );
  });
});
