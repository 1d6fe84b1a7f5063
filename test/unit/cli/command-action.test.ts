import { afterEach, describe, expect, it, vi } from 'vitest';
import { action } from '../../../cli/command-action.js';

describe('action', () => {
  const exitCode = process.exitCode;
  afterEach(() => {
    process.exitCode = exitCode;
    vi.restoreAllMocks();
  });

  it('runs the body with the arguments commander passes', async () => {
    const body = vi.fn(async (_file: string, _options: { json: boolean }) => {});
    await action(body)('a.json', { json: true });
    expect(body).toHaveBeenCalledWith('a.json', { json: true });
    expect(process.exitCode).toBe(exitCode);
  });

  it('fails when the body throws: prints the message without a stack and sets exit code 1', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    await action(async () => {
      throw new Error('broker 127.0.0.1:9092 is down');
    })();
    expect(stderr).toHaveBeenCalledWith('meshrag: error: broker 127.0.0.1:9092 is down\n');
    expect(process.exitCode).toBe(1);
  });
});
