/**
 * `GET /v1/models` and `GET /v1/models/{id}`, in OpenAI's shape: the one model this embedder
 * serves. Clients and gateways list models before they call `/v1/embeddings`. The id holds a
 * slash (`sentence-transformers/all-MiniLM-L6-v2`), so it is matched encoded (`%2F`, as the
 * `openai` clients send it) or not.
 * @see https://platform.openai.com/docs/api-reference/models
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Embedder } from '../embedder.js';
import { NotReadyError, RouteNotFoundError } from '../errors.js';
import { ErrorResponsesSchema } from './error-envelope-schema.js';

export const ModelSchema = Type.Object({
  id: Type.String(),
  object: Type.Literal('model'),
  /** Unix seconds: when this process loaded the model. */
  created: Type.Integer(),
  owned_by: Type.String(),
});

export const ModelListSchema = Type.Object({
  object: Type.Literal('list'),
  data: Type.Array(ModelSchema),
});

export interface ModelsRouteOptions {
  readonly embedder: Embedder;
}

export const modelsRoute: FastifyPluginAsyncTypebox<ModelsRouteOptions> = async (
  app,
  { embedder },
) => {
  const describe = () => {
    const id = embedder.info.modelId;
    if (id === null) throw new NotReadyError(`the embedder is ${embedder.state}`);
    return {
      id,
      object: 'model' as const,
      created: Math.floor((embedder.loadedAt ?? Date.now()) / 1000),
      owned_by: id.includes('/') ? (id.split('/')[0] as string) : 'meshrag',
    };
  };
  app.get(
    '/v1/models',
    {
      schema: {
        summary: 'List models (OpenAI)',
        tags: ['OpenAI'],
        response: { 200: ModelListSchema, ...ErrorResponsesSchema },
      },
    },
    async () => ({ object: 'list' as const, data: [describe()] }),
  );
  app.get(
    '/v1/models/*',
    {
      schema: {
        summary: 'Retrieve a model (OpenAI)',
        tags: ['OpenAI'],
        params: Type.Object({ '*': Type.String() }),
        response: { 200: ModelSchema, ...ErrorResponsesSchema },
      },
    },
    async (request) => {
      const model = describe();
      const asked = decodeOnce(request.params['*']);
      if (asked !== model.id) {
        throw new RouteNotFoundError(
          `model \`${asked}\` not found; this server serves \`${model.id}\``,
        );
      }
      return model;
    },
  );
};

/**
 * The router has decoded the path once; a client that encoded the id's slash (`%2F`) leaves a
 * second layer. A `%` that starts no escape (`/v1/models/%25`) is part of the id as asked, not
 * a bug: it used to throw URIError, answered 500.
 */
function decodeOnce(id: string): string {
  try {
    return decodeURIComponent(id);
  } catch {
    return id;
  }
}
