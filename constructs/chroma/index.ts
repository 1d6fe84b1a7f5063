export * from './chroma-db.js';
