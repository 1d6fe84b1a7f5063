/**
 * `POST /decode`, as text-embeddings-inference: token ids back to text, one string per id
 * sequence. Ids outside the vocabulary are skipped, as Hugging Face `tokenizers` does.
 * @see https://huggingface.github.io/text-embeddings-inference/#/Text%20Embeddings%20Inference/decode
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Embedder } from '../embedder.js';
import { ErrorResponsesSchema } from './error-envelope-schema.js';

/** u32, as TEI's `InputIds`. */
const TokenIdSchema = Type.Integer({ minimum: 0, maximum: 0xffff_ffff });

export const DecodeRequestSchema = Type.Object({
  ids: Type.Union([Type.Array(TokenIdSchema), Type.Array(Type.Array(TokenIdSchema))], {
    description: 'one id sequence, or a batch of them',
  }),
  /** @default true */
  skip_special_tokens: Type.Optional(
    Type.Boolean({ description: 'leave out [CLS], [SEP] and [PAD] (default true)' }),
  ),
});

export const DecodeResponseSchema = Type.Array(Type.String(), {
  description: 'one text per id sequence',
});

export interface DecodeRouteOptions {
  readonly embedder: Embedder;
}

export const decodeRoute: FastifyPluginAsyncTypebox<DecodeRouteOptions> = async (
  app,
  { embedder },
) => {
  app.post(
    '/decode',
    {
      schema: {
        summary: 'Decode token ids (TEI)',
        tags: ['TEI'],
        body: DecodeRequestSchema,
        response: { 200: DecodeResponseSchema, ...ErrorResponsesSchema },
      },
    },
    async (request) => {
      const { ids, skip_special_tokens: skipSpecialTokens } = request.body;
      // `[]` is one empty sequence (TEI reads it as a single sequence), `[[1, 2]]` a batch of one.
      const sequences: number[][] =
        ids.length > 0 && Array.isArray(ids[0]) ? (ids as number[][]) : [ids as number[]];
      return embedder.decode(
        sequences,
        skipSpecialTokens === undefined ? {} : { skipSpecialTokens },
      );
    },
  );
};
