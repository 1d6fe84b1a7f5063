import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { checkEmbedderLimits } from '../../../../app/consumer/src/consumer-service.js';
import { ConsumerConfigError } from '../../../../app/consumer/src/errors.js';

const logger = pino({ level: 'silent' });
const config = { embedRequestChunks: 32, embedderUrl: 'http://embedder:8080' };

describe('checkEmbedderLimits (settings that must agree, checked at boot)', () => {
  it('passes when chunks per request fit the embedder batch limit', async () => {
    const embedder = { limits: async () => ({ maxClientBatchSize: 32 }) };
    await expect(checkEmbedderLimits(embedder, config, logger, 0)).resolves.toBeUndefined();
  });

  it('fails when chunks per request exceed the embedder batch limit, naming both settings', async () => {
    const embedder = { limits: async () => ({ maxClientBatchSize: 128 }) };
    const error = await checkEmbedderLimits(
      embedder,
      { ...config, embedRequestChunks: 1024 },
      logger,
      0,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConsumerConfigError);
    expect((error as Error).message).toMatch(
      /MESHRAG_CONSUMER_EMBED_REQUEST_CHUNKS: 1024 .*max_client_batch_size 128.*at most 128/s,
    );
  });

  it('waits a little for an embedder that is not up, then carries on unchecked', async () => {
    let calls = 0;
    const embedder = {
      limits: async () => (++calls < 2 ? undefined : { maxClientBatchSize: 64 }),
    };
    await expect(checkEmbedderLimits(embedder, config, logger, 5_000)).resolves.toBeUndefined();
    expect(calls).toBe(2);
    const never = { limits: async () => undefined };
    await expect(checkEmbedderLimits(never, config, logger, 0)).resolves.toBeUndefined();
  });
});
