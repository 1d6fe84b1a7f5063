/**
 * `POST /similarity`, as text-embeddings-inference (and Hugging Face's `sentence-similarity`
 * task): the cosine similarity of a source sentence to each of `sentences`. All of them are
 * embedded as one request, so `sentences` + 1 counts against `maxClientBatchSize`.
 * @see https://huggingface.github.io/text-embeddings-inference/#/Text%20Embeddings%20Inference/similarity
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { type Static, Type } from 'typebox';
import type { Embedder } from '../embedder.js';
import { EmptyInputError } from '../errors.js';
import { ErrorResponsesSchema } from './error-envelope-schema.js';
import { optional, PromptNameSchema, refusePromptName, TruncateSchema } from './tei-parameters.js';
import { setTimingHeaders } from './timing-headers.js';

export const SimilarityInputSchema = Type.Object({
  source_sentence: Type.String({ description: 'the sentence the others are compared with' }),
  sentences: Type.Array(Type.String(), { description: 'compared with source_sentence' }),
});

export const SimilarityRequestSchema = Type.Object({
  inputs: SimilarityInputSchema,
  parameters: Type.Optional(
    Type.Union([
      Type.Object({
        truncate: TruncateSchema,
        prompt_name: PromptNameSchema,
      }),
      Type.Null(),
    ]),
  ),
});

export const SimilarityResponseSchema = Type.Array(Type.Number(), {
  description: 'cosine similarity of source_sentence to each sentence, in order',
});

export interface SimilarityRouteOptions {
  readonly embedder: Embedder;
}

/** Answers a `/similarity` body; `POST /` shares it. */
export async function handleSimilarity(
  embedder: Embedder,
  body: Static<typeof SimilarityRequestSchema>,
  reply: FastifyReply,
): Promise<number[]> {
  const startedAt = performance.now();
  const { source_sentence: source, sentences } = body.inputs;
  if (sentences.length === 0) throw new EmptyInputError('`inputs.sentences` cannot be empty');
  refusePromptName(body.parameters?.prompt_name);
  const truncate = optional(body.parameters?.truncate);
  const result = await embedder.embed(
    [source, ...sentences],
    truncate === undefined ? {} : { truncate },
  );
  setTimingHeaders(reply, result, startedAt, embedder.info.backend?.activeProvider ?? 'cpu');
  const [sourceVector, ...others] = result.vectors as [Float32Array, ...Float32Array[]];
  // Unit vectors: the dot product is the cosine.
  return others.map((vector) => {
    let dot = 0;
    for (let i = 0; i < vector.length; i++)
      dot += (vector[i] as number) * (sourceVector[i] as number);
    return dot;
  });
}

export const similarityRoute: FastifyPluginAsyncTypebox<SimilarityRouteOptions> = async (
  app,
  { embedder },
) => {
  app.post(
    '/similarity',
    {
      schema: {
        summary: 'Sentence similarity (TEI)',
        tags: ['TEI'],
        body: SimilarityRequestSchema,
        response: { 200: SimilarityResponseSchema, ...ErrorResponsesSchema },
      },
    },
    (request, reply) => handleSimilarity(embedder, request.body, reply),
  );
};
