export * from './embed-route.js';
export * from './error-envelope-schema.js';
export * from './health-route.js';
export * from './info-route.js';
export * from './json-serializer.js';
export * from './metrics-route.js';
export * from './openai-embeddings-route.js';
