import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ephemeralPortRange, findFreePortBlock, findFreePorts } from '../../../local/free-port.js';

function canListen(port: number): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const server = createServer();
    server.once('error', () => resolvePromise(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolvePromise(true)));
  });
}

describe('free ports', () => {
  it('finds a block of consecutive ports that can all be bound', async () => {
    const base = await findFreePortBlock(3);
    expect(base).toBeGreaterThan(1024);
    for (const port of [base, base + 1, base + 2]) expect(await canListen(port)).toBe(true);
  });

  it('hands out blocks that do not overlap', async () => {
    const bases = await findFreePorts(3, 3);
    expect(new Set(bases).size).toBe(3);
    const sorted = [...bases].sort((a, b) => a - b);
    for (let i = 1; i < sorted.length; i++) {
      expect((sorted[i] ?? 0) - (sorted[i - 1] ?? 0)).toBeGreaterThanOrEqual(3);
    }
  });

  it('stays out of the ephemeral range, which the kernel also gives outgoing connections', async () => {
    const { low, high } = ephemeralPortRange();
    for (const base of await findFreePorts(20, 3)) {
      expect(base + 2 < low || base > high, `block at ${base} vs ${low}-${high}`).toBe(true);
      expect(base).toBeGreaterThanOrEqual(10_000);
    }
  });

  it('reads the range the way Linux writes it, and falls back to the IANA range', () => {
    expect(ephemeralPortRange(() => '32768\t60999\n')).toEqual({ low: 32_768, high: 60_999 });
    expect(
      ephemeralPortRange(() => {
        throw new Error('ENOENT');
      }),
    ).toEqual({ low: 49_152, high: 65_535 });
  });
});
