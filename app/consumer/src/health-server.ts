/**
 * Probes and `/metrics` on a small HTTP server. The consumer serves no other HTTP, so
 * `node:http` is enough; the embedder is where fastify earns its place.
 *
 * - `/livez`: the process works (its event loop answers, kafkajs has not given up). It does not
 *   depend on group membership or on Chroma: a rebalance or a Chroma outage must not get pods
 *   killed, only taken out of readiness. The liveness and startup probes use it.
 * - `/readyz` (and `/health`, its older name): running and a member of the consumer group.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface HealthServerOptions {
  readonly host: string;
  /** 0 picks a free port; read it back from `port` after `listen`. */
  readonly port: number;
  readonly registry: Registry;
  /** Readiness: 200 when true, 503 otherwise; `detail` is returned as JSON. */
  readonly health: () => { readonly healthy: boolean; readonly detail: Record<string, unknown> };
  /**
   * Liveness, answered on `/livez`.
   * @default - alive as long as the server answers
   */
  readonly live?: () => { readonly healthy: boolean; readonly detail: Record<string, unknown> };
}

export class HealthServer {
  private readonly server: Server;

  constructor(private readonly options: HealthServerOptions) {
    this.server = createServer((request, response) => {
      const path = (request.url ?? '/').split('?')[0];
      const probe =
        path === '/livez'
          ? (this.options.live ?? (() => ({ healthy: true, detail: {} })))
          : path === '/health' || path === '/readyz'
            ? this.options.health
            : undefined;
      if (request.method === 'GET' && probe) {
        const { healthy, detail } = probe();
        response.writeHead(healthy ? 200 : 503, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ status: healthy ? 'ok' : 'unavailable', ...detail }));
        return;
      }
      if (request.method === 'GET' && path === '/metrics') {
        this.options.registry.metrics().then(
          (text) => {
            response.writeHead(200, { 'content-type': this.options.registry.contentType });
            response.end(text);
          },
          (error: Error) => {
            response.writeHead(500, { 'content-type': 'text/plain' });
            response.end(error.message);
          },
        );
        return;
      }
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: `no route ${request.method} ${path}` }));
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => resolve());
    });
    return this.port;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
