/**
 * `POST /embed`, compatible with text-embeddings-inference: `{ inputs, normalize, truncate }`
 * → one vector per input.
 * @see https://huggingface.github.io/text-embeddings-inference/#/Text%20Embeddings%20Inference/embed
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { type Static, Type } from 'typebox';
import type { Embedder } from '../embedder.js';
import { ErrorResponsesSchema } from './error-envelope-schema.js';
import { jsonStringifySerializer } from './json-serializer.js';
import {
  optional,
  PromptNameSchema,
  refusePromptName,
  TextInputsSchema,
  TruncateSchema,
  textList,
} from './tei-parameters.js';
import { setTimingHeaders } from './timing-headers.js';

export const EmbedRequestSchema = Type.Object({
  inputs: TextInputsSchema,
  /** @default true */
  normalize: Type.Optional(
    Type.Boolean({ description: 'L2-normalise the vectors (default true)' }),
  ),
  /** @default the server's autoTruncate */
  truncate: TruncateSchema,
  prompt_name: PromptNameSchema,
});

export const EmbedResponseSchema = Type.Array(Type.Array(Type.Number()), {
  description: 'one vector per input, in input order',
});

export interface EmbedRouteOptions {
  readonly embedder: Embedder;
}

/** Answers an `/embed` body; `POST /` shares it. */
export async function handleEmbed(
  embedder: Embedder,
  body: Static<typeof EmbedRequestSchema>,
  reply: FastifyReply,
): Promise<number[][]> {
  const startedAt = performance.now();
  const { inputs, normalize } = body;
  refusePromptName(body.prompt_name);
  const truncate = optional(body.truncate);
  const result = await embedder.embed(textList(inputs), {
    ...(normalize === undefined ? {} : { normalize }),
    ...(truncate === undefined ? {} : { truncate }),
  });
  setTimingHeaders(reply, result, startedAt, embedder.info.backend?.activeProvider ?? 'cpu');
  return result.vectors.map((vector) => Array.from(vector));
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
        summary: 'Embed texts (TEI)',
        tags: ['TEI'],
        body: EmbedRequestSchema,
        response: { 200: EmbedResponseSchema, ...ErrorResponsesSchema },
      },
    },
    (request, reply) => handleEmbed(embedder, request.body, reply),
  );
};
