/**
 * `POST /embed_all`, as text-embeddings-inference: the model's last hidden state for every
 * token of every input (`[CLS]` and `[SEP]` included), unpooled and not normalised. Through the
 * same limits, queue and batches as `/embed`.
 * @see https://huggingface.github.io/text-embeddings-inference/#/Text%20Embeddings%20Inference/embed_all
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
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

export const EmbedAllRequestSchema = Type.Object({
  inputs: TextInputsSchema,
  truncate: TruncateSchema,
  prompt_name: PromptNameSchema,
});

export const EmbedAllResponseSchema = Type.Array(Type.Array(Type.Array(Type.Number())), {
  description: 'per input, one vector per token',
});

export interface EmbedAllRouteOptions {
  readonly embedder: Embedder;
}

export const embedAllRoute: FastifyPluginAsyncTypebox<EmbedAllRouteOptions> = async (
  app,
  { embedder },
) => {
  app.post(
    '/embed_all',
    {
      serializerCompiler: jsonStringifySerializer,
      schema: {
        summary: 'Per-token vectors, unpooled (TEI)',
        tags: ['TEI'],
        body: EmbedAllRequestSchema,
        response: { 200: EmbedAllResponseSchema, ...ErrorResponsesSchema },
      },
    },
    async (request, reply) => {
      const startedAt = performance.now();
      refusePromptName(request.body.prompt_name);
      const truncate = optional(request.body.truncate);
      const result = await embedder.embedAll(
        textList(request.body.inputs),
        truncate === undefined ? {} : { truncate },
      );
      setTimingHeaders(reply, result, startedAt, embedder.info.backend?.activeProvider ?? 'cpu');
      const dims = result.dimensions;
      return result.vectors.map((tokens) =>
        Array.from({ length: tokens.length / dims }, (_, t) =>
          Array.from(tokens.subarray(t * dims, (t + 1) * dims)),
        ),
      );
    },
  );
};
