/**
 * Free TCP ports on 127.0.0.1 for services started by tests, so parallel runs and other
 * people's servers never collide with fixed defaults.
 *
 * The ports come from below the kernel's ephemeral range: a port the kernel picked (`listen(0)`)
 * is one it also hands to outgoing connections, so between the check and a service binding it,
 * or between a service dying and its restart, any client on the machine could take it (CI saw
 * `port … already in use` on a supervisor restart once in dozens of runs, with Kafka and its
 * clients busy beside it).
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Lowest port handed out; below it sit the well-known defaults (Kafka 9092, Chroma 8000, …). */
const LOWEST_PORT = 10_000;

/** The kernel's ephemeral port range (Linux; the IANA range elsewhere). */
export function ephemeralPortRange(
  read: () => string = () => readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8'),
): { readonly low: number; readonly high: number } {
  try {
    const [low, high] = read().trim().split(/\s+/).map(Number);
    if (Number.isInteger(low) && Number.isInteger(high)) return { low: low ?? 0, high: high ?? 0 };
  } catch {
    // not Linux
  }
  return { low: 49_152, high: 65_535 };
}

/** A random first port for a block of `count`, outside the ephemeral range. */
function candidate(count: number): number {
  const { low, high } = ephemeralPortRange();
  const spans = [
    [LOWEST_PORT, low - count],
    [high + 1, 65_536 - count],
  ].filter(([from = 0, to = 0]) => to > from);
  const total = spans.reduce((n, [from = 0, to = 0]) => n + (to - from), 0);
  if (total === 0) throw new Error(`no ports outside the ephemeral range ${low}-${high}`);
  let pick = Math.floor(Math.random() * total);
  for (const [from = 0, to = 0] of spans) {
    if (pick < to - from) return from + pick;
    pick -= to - from;
  }
  return LOWEST_PORT;
}

function tryListen(port: number): Promise<number | undefined> {
  return new Promise((resolvePromise) => {
    const server = createServer();
    server.once('error', () => resolvePromise(undefined));
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : undefined;
      server.close(() => resolvePromise(bound));
    });
  });
}

/**
 * A block of `count` consecutive free ports (Kafka node i listens on `base + i`).
 * @returns the first port of the block
 * @throws Error when no block is found after many tries
 */
export async function findFreePortBlock(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = candidate(count);
    let free = true;
    for (let port = base; port < base + count && free; port++) {
      free = (await tryListen(port)) !== undefined;
    }
    if (free) return base;
  }
  throw new Error(`no block of ${count} consecutive free ports found on 127.0.0.1`);
}

/** `count` distinct free ports, each the start of a block of `blockSize`. */
export async function findFreePorts(count: number, blockSize = 1): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) {
    const base = await findFreePortBlock(blockSize);
    const overlaps = ports.some((p) => base < p + blockSize && p < base + blockSize);
    if (!overlaps) ports.push(base);
  }
  return ports;
}
