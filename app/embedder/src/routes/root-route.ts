/**
 * `/`, TEI's compatibility route, which Hugging Face's `InferenceClient` posts to when given the
 * server's base URL: `POST /` embeds (TEI's default for an embedding model) and `GET /` is the
 * health check. TEI serves similarity on `/` instead only when started with
 * `TASK=sentence-similarity`; here a body whose `inputs` is `{ source_sentence, sentences }`
 * is answered as `/similarity`, since the two shapes cannot be confused, so both of the
 * client's tasks work against one URL.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Static, Type } from 'typebox';
import type { Embedder } from '../embedder.js';
import { EmbedRequestSchema, EmbedResponseSchema, handleEmbed } from './embed-route.js';
import { ErrorResponsesSchema } from './error-envelope-schema.js';
import { checkHealth, HealthResponseSchema } from './health-route.js';
import { jsonStringifySerializer } from './json-serializer.js';
import {
  handleSimilarity,
  SimilarityRequestSchema,
  SimilarityResponseSchema,
} from './similarity-route.js';

type RootRequest = Static<typeof EmbedRequestSchema> | Static<typeof SimilarityRequestSchema>;

function isSimilarity(body: RootRequest): body is Static<typeof SimilarityRequestSchema> {
  return typeof body.inputs === 'object' && !Array.isArray(body.inputs);
}

export interface RootRouteOptions {
  readonly embedder: Embedder;
}

export const rootRoute: FastifyPluginAsyncTypebox<RootRouteOptions> = async (app, { embedder }) => {
  app.post(
    '/',
    {
      serializerCompiler: jsonStringifySerializer,
      schema: {
        summary: 'Embed texts, or sentence similarity, by body shape (TEI compatibility route)',
        tags: ['TEI'],
        body: Type.Union([EmbedRequestSchema, SimilarityRequestSchema]),
        response: {
          200: Type.Union([EmbedResponseSchema, SimilarityResponseSchema]),
          ...ErrorResponsesSchema,
        },
      },
    },
    async (request, reply) => {
      const body: RootRequest = request.body;
      return isSimilarity(body)
        ? handleSimilarity(embedder, body, reply)
        : handleEmbed(embedder, body, reply);
    },
  );
  app.get(
    '/',
    {
      schema: {
        summary: 'Health (TEI compatibility route)',
        tags: ['TEI'],
        response: { 200: HealthResponseSchema, ...ErrorResponsesSchema },
      },
    },
    async () => checkHealth(embedder),
  );
};
