export * from './ingestion-consumer.js';
