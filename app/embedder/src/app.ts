/**
 * Builds the embedder's fastify app without listening, so tests drive it with `app.inject()`
 * and `server.ts` adds the socket and signals. The model is not loaded here: call
 * `app.embedder.start()` (the server does so right after `listen`, so /health answers 503
 * while it loads).
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyReply, LogController } from 'fastify';
import { type Logger, pino } from 'pino';
import type { EmbedderConfig } from './config.js';
import { type BackendFactory, Embedder } from './embedder.js';
import { EmbedderMetrics } from './embedder-metrics.js';
import { BackendError, RouteNotFoundError, toEmbedderError } from './errors.js';
import { decodeRoute } from './routes/decode-route.js';
import { embedAllRoute } from './routes/embed-all-route.js';
import { embedRoute } from './routes/embed-route.js';
import { healthRoute } from './routes/health-route.js';
import { infoRoute } from './routes/info-route.js';
import { metricsRoute } from './routes/metrics-route.js';
import { modelsRoute } from './routes/models-route.js';
import { openAiEmbeddingsRoute } from './routes/openai-embeddings-route.js';
import { openApiRoute } from './routes/openapi-route.js';
import { rootRoute } from './routes/root-route.js';
import { similarityRoute } from './routes/similarity-route.js';
import { tokenizeRoute } from './routes/tokenize-route.js';

export interface BuildAppOptions {
  readonly config: EmbedderConfig;
  /** @default a pino logger at `config.logLevel` on stdout */
  readonly logger?: Logger;
  /** @default onnxruntime in a worker thread */
  readonly createBackend?: BackendFactory;
}

declare module 'fastify' {
  interface FastifyInstance {
    embedder: Embedder;
    metrics: EmbedderMetrics;
  }
}

export type EmbedderApp = ReturnType<typeof buildApp>;

export function buildApp(options: BuildAppOptions) {
  const { config } = options;
  const logger = options.logger ?? pino({ level: config.logLevel, name: 'meshrag-embedder' });
  const metrics = new EmbedderMetrics();
  const embedder = new Embedder({
    config,
    metrics,
    logger,
    ...(options.createBackend ? { createBackend: options.createBackend } : {}),
  });

  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: config.bodyLimitBytes,
    // One log line per request is noise at thousands of requests a second; metrics count them.
    logController: new LogController({ disableRequestLogging: true }),
    // No coercion: `inputs: 5` must be a 422, not the string "5".
    ajv: { customOptions: { coerceTypes: false } },
    // A path the router cannot decode (`/v1/models/%E0%A4%A`) is answered by fastify itself,
    // before any route or error handler; this gives it the envelope every other 400 has.
    frameworkErrors: (error, _request, reply) => {
      const mapped = toEmbedderError(error);
      (reply as FastifyReply).status(mapped.statusCode).send(mapped.toEnvelope());
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // JSON only: anything else is a 415, not a string that then fails the schema.
  app.removeContentTypeParser('text/plain');
  app.decorate('embedder', embedder);
  app.decorate('metrics', metrics);

  app.setErrorHandler((error, request, reply) => {
    const mapped = toEmbedderError(error);
    if (mapped.statusCode >= 500 || mapped instanceof BackendError) {
      request.log.error({ err: error }, 'embedding failed');
    } else request.log.debug({ err: error, status: mapped.statusCode }, 'request refused');
    return reply.status(mapped.statusCode).send(mapped.toEnvelope());
  });
  app.setNotFoundHandler((request, reply) => {
    const error = new RouteNotFoundError(`no route ${request.method} ${request.url}`);
    return reply.status(error.statusCode).send(error.toEnvelope());
  });
  app.addHook('onResponse', async (request, reply) => {
    metrics.requests.inc({
      route: request.routeOptions.url ?? 'unmatched',
      status: reply.statusCode,
    });
  });
  // Draining: fastify closes idle keep-alive connections when close starts, but a connection
  // busy at that moment would stay open after its response and keep close() waiting until the
  // client gives up. Answering `connection: close` while closing hands every socket back.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });
  app.addHook('onClose', async () => {
    await embedder.close();
  });

  // The OpenAPI document is generated from the route schemas, so swagger registers first and
  // sees every route added after it.
  app.register(swagger, {
    openapi: {
      info: {
        title: 'meshrag embedder',
        description:
          "all-MiniLM-L6-v2 behind the APIs of text-embeddings-inference (TEI) and OpenAI. Errors are TEI's `{ error, error_type }`.",
        version: '0.1.0',
      },
      tags: [
        { name: 'TEI', description: 'text-embeddings-inference routes' },
        { name: 'OpenAI', description: 'OpenAI-compatible routes' },
        { name: 'Operations', description: 'model information and Prometheus metrics' },
      ],
    },
  });
  app.register(swaggerUi, { routePrefix: '/docs' });
  app.register(openApiRoute);
  app.register(rootRoute, { embedder });
  app.register(embedRoute, { embedder });
  app.register(embedAllRoute, { embedder });
  app.register(similarityRoute, { embedder });
  app.register(tokenizeRoute, { embedder });
  app.register(decodeRoute, { embedder });
  app.register(openAiEmbeddingsRoute, { embedder });
  app.register(modelsRoute, { embedder });
  app.register(healthRoute, { embedder });
  app.register(infoRoute, { embedder });
  app.register(metricsRoute, { metrics });
  return app;
}
