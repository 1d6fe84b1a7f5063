import { describe, expect, it } from 'vitest';
import { brokerList, envName, loadConsumerConfig } from '../../../../app/consumer/src/config.js';
import { ConsumerConfigError } from '../../../../app/consumer/src/errors.js';

const required = {
  MESHRAG_CONSUMER_KAFKA_BROKERS: '127.0.0.1:9092, 127.0.0.1:9093',
  MESHRAG_CONSUMER_EMBEDDER_URL: 'http://127.0.0.1:8080',
  MESHRAG_CONSUMER_CHROMA_URL: 'http://127.0.0.1:8000',
  MESHRAG_CONSUMER_MODEL_DIR: '/models/minilm',
};

describe('loadConsumerConfig', () => {
  it('reads MESHRAG_CONSUMER_* variables and applies defaults', () => {
    const config = loadConsumerConfig({ ...required, MESHRAG_CONSUMER_CHUNK_TOKENS: '200' });
    expect(config.chunkTokens).toBe(200);
    expect(config.overlapTokens).toBe(16);
    expect(config.maxAttempts).toBe(3);
    expect(config.groupId).toBe('meshrag-ingest');
    expect(brokerList(config)).toEqual(['127.0.0.1:9092', '127.0.0.1:9093']);
    expect(envName('partitionsConsumedConcurrently')).toBe(
      'MESHRAG_CONSUMER_PARTITIONS_CONSUMED_CONCURRENTLY',
    );
  });

  it('fails when required variables are missing, naming each', () => {
    expect(() => loadConsumerConfig({})).toThrow(ConsumerConfigError);
    expect(() => loadConsumerConfig({})).toThrow(/MESHRAG_CONSUMER_KAFKA_BROKERS: is required/);
  });

  it('fails when a chunk would not fit the model', () => {
    expect(() => loadConsumerConfig({ ...required, MESHRAG_CONSUMER_CHUNK_TOKENS: '300' })).toThrow(
      /MESHRAG_CONSUMER_CHUNK_TOKENS: got 300/,
    );
  });

  it('fails when the overlap is more than half a chunk', () => {
    expect(() =>
      loadConsumerConfig({
        ...required,
        MESHRAG_CONSUMER_CHUNK_TOKENS: '64',
        MESHRAG_CONSUMER_OVERLAP_TOKENS: '40',
      }),
    ).toThrow(/more than half/);
  });
});
