/** `GET /health`: 200 once the model is loaded and the queue runs, 503 before, after a failed load and while shutting down. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Embedder } from '../embedder.js';
import { NotReadyError } from '../errors.js';
import { ErrorEnvelopeSchema } from './error-envelope-schema.js';

export const HealthResponseSchema = Type.Object({ status: Type.Literal('ok') });

export interface HealthRouteOptions {
  readonly embedder: Embedder;
}

/**
 * The health answer `/health` and `GET /` share.
 * @throws NotReadyError unless the model is loaded and its backend alive (503)
 */
export function checkHealth(embedder: Embedder): { status: 'ok' } {
  if (embedder.state !== 'ready') throw new NotReadyError(`the embedder is ${embedder.state}`);
  if (!embedder.healthy) throw new NotReadyError('the model backend is gone; restart the embedder');
  return { status: 'ok' };
}

export const healthRoute: FastifyPluginAsyncTypebox<HealthRouteOptions> = async (
  app,
  { embedder },
) => {
  app.get(
    '/health',
    {
      schema: {
        summary: 'Health',
        tags: ['TEI'],
        response: { 200: HealthResponseSchema, 503: ErrorEnvelopeSchema },
      },
    },
    async () => checkHealth(embedder),
  );
};
