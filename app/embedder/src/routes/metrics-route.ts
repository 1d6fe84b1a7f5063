/** `GET /metrics`: Prometheus text exposition of the embedder's registry. */
import type { FastifyPluginAsync } from 'fastify';
import type { EmbedderMetrics } from '../embedder-metrics.js';

export interface MetricsRouteOptions {
  readonly metrics: EmbedderMetrics;
}

export const metricsRoute: FastifyPluginAsync<MetricsRouteOptions> = async (app, { metrics }) => {
  app.get('/metrics', async (_request, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
};
