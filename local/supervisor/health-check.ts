/** Runs a `HealthCheck` once. Never throws: a service that cannot answer is simply not healthy. */
import { connect } from 'node:net';
import { createKafka } from '../../app/common/kafka.js';
import type { HealthCheck } from './service-definition.js';

export interface HealthResult {
  readonly healthy: boolean;
  /** Why not, or what was seen (`3/3 brokers`). */
  readonly detail: string;
}

export async function checkHealth(check: HealthCheck, timeoutMs = 3_000): Promise<HealthResult> {
  try {
    switch (check.kind) {
      case 'process':
        return { healthy: true, detail: 'process alive' };
      case 'tcp':
        await tcpProbe(check.host, check.port, timeoutMs);
        return { healthy: true, detail: `port ${check.port} open` };
      case 'http': {
        const response = await fetch(check.url, { signal: AbortSignal.timeout(timeoutMs) });
        await response.body?.cancel();
        return { healthy: response.ok, detail: `GET ${check.url} → ${response.status}` };
      }
      case 'kafka':
        return await kafkaProbe(check.bootstrap, check.expectedBrokers, timeoutMs);
    }
  } catch (error) {
    return { healthy: false, detail: (error as Error).message };
  }
}

function tcpProbe(host: string, port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    socket.once('connect', () => {
      socket.destroy();
      resolvePromise();
    });
    socket.once('timeout', () => {
      socket.destroy();
      reject(new Error(`${host}:${port} did not accept a connection in ${timeoutMs} ms`));
    });
    socket.once('error', reject);
  });
}

/** The cluster is ready when metadata through `bootstrap` lists every broker and a controller. */
async function kafkaProbe(
  bootstrap: string,
  expectedBrokers: number,
  timeoutMs: number,
): Promise<HealthResult> {
  const [host = '127.0.0.1', port = '0'] = bootstrap.split(':');
  // kafkajs logs refused connections as errors; only ask it once the port is open.
  await tcpProbe(host, Number(port), timeoutMs);
  const kafka = createKafka({
    brokers: [bootstrap],
    clientId: 'meshrag-health',
    logLevel: 'NOTHING',
  });
  const admin = kafka.admin({ retry: { retries: 0 } });
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    const brokers = cluster.brokers.length;
    const detail = `${brokers}/${expectedBrokers} brokers, controller ${String(cluster.controller)}`;
    if (brokers !== expectedBrokers || cluster.controller === null) {
      return { healthy: false, detail };
    }
    // Consumer groups need the group coordinator (__consumer_offsets created and loaded) and
    // idempotent producers a producer id block from the controller; both come a moment after
    // the broker registers. Asking for both makes "ready" mean ready for our clients.
    try {
      await admin.describeGroups(['meshrag-health']);
    } catch (error) {
      return {
        healthy: false,
        detail: `${detail}; group coordinator not ready: ${(error as Error).message}`,
      };
    }
    // kafkajs refuses an idempotent producer without retries; one quick retry keeps the probe short.
    const producer = kafka.producer({
      idempotent: true,
      retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 300 },
    });
    try {
      await producer.connect();
    } catch (error) {
      return {
        healthy: false,
        detail: `${detail}; producer ids not ready: ${(error as Error).message}`,
      };
    } finally {
      await producer.disconnect().catch(() => undefined);
    }
    return { healthy: true, detail };
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
