/**
 * The OpenAPI document generated from the route schemas: `/openapi.json`, and TEI's own path
 * for it, `/api-doc/openapi.json`. The browsable page is `/docs` (`@fastify/swagger-ui`).
 */
import type { FastifyPluginAsync } from 'fastify';

export const openApiRoute: FastifyPluginAsync = async (app) => {
  for (const url of ['/openapi.json', '/api-doc/openapi.json']) {
    app.get(url, { schema: { hide: true } }, async () => app.swagger());
  }
};
