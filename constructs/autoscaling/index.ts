export * from './consumer-lag-scaler.js';
export * from './embedder-queue-scaler.js';
