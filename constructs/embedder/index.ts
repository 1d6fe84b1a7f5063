export * from './embedder-service.js';
