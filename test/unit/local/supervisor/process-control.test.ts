import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { processLiveness, stopProcess } from '../../../../local/supervisor/process-control.js';

describe('processLiveness', () => {
  it('knows this process by its argv', () => {
    const argv = readFileSync('/proc/self/cmdline', 'utf8').split('\0').slice(0, -1);
    expect(processLiveness(process.pid, argv)).toBe('running');
  });

  it('reports a reused pid as another process, never ours', () => {
    expect(processLiveness(process.pid, ['node', 'something-else.js'])).toBe('other');
  });

  it('reports a pid that does not exist as gone, and does not signal it', async () => {
    const unused = 2 ** 22 + 1; // above the kernel's pid_max
    expect(processLiveness(unused, ['java'])).toBe('gone');
    expect(await stopProcess(unused, ['java'], 100)).toEqual({ outcome: 'not-running' });
  });
});
