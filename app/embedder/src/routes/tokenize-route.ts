/**
 * `POST /tokenize`, as text-embeddings-inference: each input's tokens with their ids, text,
 * whether they are special, and their UTF-8 byte offsets in the input (null for special
 * tokens). Never truncates; an input past 256 x 250 characters is refused (422), as TEI.
 * @see https://huggingface.github.io/text-embeddings-inference/#/Text%20Embeddings%20Inference/tokenize
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Embedder } from '../embedder.js';
import { ErrorResponsesSchema } from './error-envelope-schema.js';
import {
  PromptNameSchema,
  refusePromptName,
  TextInputsSchema,
  textList,
} from './tei-parameters.js';

export const TokenizeRequestSchema = Type.Object({
  inputs: TextInputsSchema,
  /** @default true */
  add_special_tokens: Type.Optional(
    Type.Boolean({ description: 'add [CLS] and [SEP] (default true)' }),
  ),
  prompt_name: PromptNameSchema,
});

export const SimpleTokenSchema = Type.Object({
  id: Type.Integer(),
  text: Type.String(),
  special: Type.Boolean(),
  start: Type.Union([Type.Integer(), Type.Null()], { description: 'UTF-8 byte offset' }),
  stop: Type.Union([Type.Integer(), Type.Null()], { description: 'UTF-8 byte offset, exclusive' }),
});

export const TokenizeResponseSchema = Type.Array(Type.Array(SimpleTokenSchema), {
  description: 'per input, its tokens',
});

export interface TokenizeRouteOptions {
  readonly embedder: Embedder;
}

export const tokenizeRoute: FastifyPluginAsyncTypebox<TokenizeRouteOptions> = async (
  app,
  { embedder },
) => {
  app.post(
    '/tokenize',
    {
      schema: {
        summary: 'Tokenize texts, with offsets (TEI)',
        tags: ['TEI'],
        body: TokenizeRequestSchema,
        response: { 200: TokenizeResponseSchema, ...ErrorResponsesSchema },
      },
    },
    async (request) => {
      const { inputs, add_special_tokens: addSpecialTokens } = request.body;
      refusePromptName(request.body.prompt_name);
      return embedder.tokenize(
        textList(inputs),
        addSpecialTokens === undefined ? {} : { addSpecialTokens },
      );
    },
  );
};
