import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  brokerList,
  envName,
  kafkaTls,
  loadConsumerConfig,
} from '../../../../app/consumer/src/config.js';
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

describe('Kafka mutual TLS settings', () => {
  it('fails when only some of the three PEM files are set', () => {
    expect(() =>
      loadConsumerConfig({ ...required, MESHRAG_CONSUMER_KAFKA_TLS_CA_FILE: '/certs/ca.crt' }),
    ).toThrow(/set all three for mutual TLS, or none/);
  });

  it('reads the three PEM files when all are set, and none otherwise', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'meshrag-tls-'));
    const files = { ca: 'CA PEM', cert: 'CERT PEM', key: 'KEY PEM' };
    for (const [name, pem] of Object.entries(files)) await writeFile(join(dir, name), pem);
    const config = loadConsumerConfig({
      ...required,
      MESHRAG_CONSUMER_KAFKA_TLS_CA_FILE: join(dir, 'ca'),
      MESHRAG_CONSUMER_KAFKA_TLS_CERT_FILE: join(dir, 'cert'),
      MESHRAG_CONSUMER_KAFKA_TLS_KEY_FILE: join(dir, 'key'),
    });
    expect(await kafkaTls(config)).toEqual(files);
    expect(await kafkaTls(loadConsumerConfig(required))).toBeUndefined();
  });
});
