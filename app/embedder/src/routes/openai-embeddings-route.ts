/**
 * `POST /v1/embeddings`, compatible with OpenAI's embeddings API, so OpenAI client libraries work
 * against the embedder unchanged. Vectors are always normalised, as OpenAI's are.
 * `encoding_format: "base64"` sends each vector as little-endian float32 bytes.
 * @see https://platform.openai.com/docs/api-reference/embeddings/create
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Embedder } from '../embedder.js';
import { ValidationError } from '../errors.js';
import { ErrorResponsesSchema } from './error-envelope-schema.js';
import { jsonStringifySerializer } from './json-serializer.js';
import { setTimingHeaders } from './timing-headers.js';

export const OpenAiEmbeddingsRequestSchema = Type.Object({
  input: Type.Union([Type.String(), Type.Array(Type.String())]),
  /** Echoed back; the embedder serves one model. */
  model: Type.Optional(Type.String()),
  /** @default 'float' */
  encoding_format: Type.Optional(Type.Union([Type.Literal('float'), Type.Literal('base64')])),
  /** Only the model's own width is served; anything else is a 422. */
  dimensions: Type.Optional(Type.Integer({ minimum: 1 })),
  user: Type.Optional(Type.String()),
});

export const OpenAiEmbeddingsResponseSchema = Type.Object({
  object: Type.Literal('list'),
  data: Type.Array(
    Type.Object({
      object: Type.Literal('embedding'),
      index: Type.Integer(),
      embedding: Type.Union([Type.Array(Type.Number()), Type.String()]),
    }),
  ),
  model: Type.String(),
  usage: Type.Object({ prompt_tokens: Type.Integer(), total_tokens: Type.Integer() }),
});

export interface OpenAiEmbeddingsRouteOptions {
  readonly embedder: Embedder;
}

/** Encodes a vector as base64 of its float32 values, little-endian whatever the host. */
export function encodeFloat32Base64(vector: Float32Array): string {
  const bytes = Buffer.allocUnsafe(vector.length * 4);
  for (let i = 0; i < vector.length; i++) bytes.writeFloatLE(vector[i] as number, i * 4);
  return bytes.toString('base64');
}

export const openAiEmbeddingsRoute: FastifyPluginAsyncTypebox<
  OpenAiEmbeddingsRouteOptions
> = async (app, { embedder }) => {
  // TEI also serves it without the version prefix.
  for (const url of ['/v1/embeddings', '/embeddings']) {
    app.post(
      url,
      {
        serializerCompiler: jsonStringifySerializer,
        schema: {
          summary: 'Create embeddings (OpenAI)',
          tags: ['OpenAI'],
          body: OpenAiEmbeddingsRequestSchema,
          response: { 200: OpenAiEmbeddingsResponseSchema, ...ErrorResponsesSchema },
        },
      },
      async (request, reply) => {
        const startedAt = performance.now();
        const { input, model, encoding_format: encodingFormat, dimensions } = request.body;
        const width = embedder.info.dimensions;
        if (dimensions !== undefined && width !== null && dimensions !== width) {
          throw new ValidationError(
            `dimensions ${dimensions} is not supported: this model produces ${width}-dimensional vectors`,
          );
        }
        const result = await embedder.embed(typeof input === 'string' ? [input] : input);
        setTimingHeaders(reply, result, startedAt, embedder.info.backend?.activeProvider ?? 'cpu');
        return {
          object: 'list' as const,
          data: result.vectors.map((vector, index) => ({
            object: 'embedding' as const,
            index,
            embedding:
              encodingFormat === 'base64' ? encodeFloat32Base64(vector) : Array.from(vector),
          })),
          model: model ?? embedder.info.modelId ?? 'unknown',
          usage: { prompt_tokens: result.promptTokens, total_tokens: result.promptTokens },
        };
      },
    );
  }
};
