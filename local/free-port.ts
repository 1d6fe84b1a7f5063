/**
 * Free TCP ports on 127.0.0.1 for services started by tests, so parallel runs and other
 * people's servers never collide with fixed defaults.
 */
import { createServer } from 'node:net';

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
    // Let the kernel pick one, then check the ports after it.
    const base = await tryListen(0);
    if (base === undefined || base + count - 1 > 65_535) continue;
    let free = true;
    for (let port = base + 1; port < base + count && free; port++) {
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
