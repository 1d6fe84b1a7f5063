/**
 * `POST /embed`, compatible with text-embeddings-inference: `{ inputs, normalize, truncate }`
 * → one vector per input.
 * @see https://huggingface.github.io/text-embeddings-inference/#/Text%20Embeddings%20Inference/embed
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Embedder } from '../embedder.js';
import { ErrorEnvelopeSchema } from './error-envelope-schema.js';
import { jsonStringifySerializer } from './json-serializer.js';
import { setTimingHeaders } from './timing-headers.js';

export const EmbedRequestSchema = Type.Object({
  inputs: Type.Union([Type.String(), Type.Array(Type.String())]),
  /** @default true */
  normalize: Type.Optional(Type.Boolean()),
  /** @default the server's autoTruncate */
  truncate: Type.Optional(Type.Boolean()),
});

export const EmbedResponseSchema = Type.Array(Type.Array(Type.Number()));

export interface EmbedRouteOptions {
  readonly embedder: Embedder;
}

export const embedRoute: FastifyPluginAsyncTypebox<EmbedRouteOptions> = async (
  app,
  { embedder },
) => {
  app.post(
    '/embed',
    {
      serializerCompiler: jsonStringifySerializer,
      schema: {
        body: EmbedRequestSchema,
        response: {
          200: EmbedResponseSchema,
          '4xx': ErrorEnvelopeSchema,
          '5xx': ErrorEnvelopeSchema,
        },
      },
    },
    async (request, reply) => {
      const startedAt = performance.now();
      const { inputs, normalize, truncate } = request.body;
      const result = await embedder.embed(typeof inputs === 'string' ? [inputs] : inputs, {
        ...(normalize === undefined ? {} : { normalize }),
        ...(truncate === undefined ? {} : { truncate }),
      });
      setTimingHeaders(reply, result, startedAt, embedder.info.backend?.activeProvider ?? 'cpu');
      return result.vectors.map((vector) => Array.from(vector));
    },
  );
};
