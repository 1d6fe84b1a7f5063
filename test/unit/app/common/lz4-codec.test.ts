import { describe, expect, it } from 'vitest';
import { LZ4JS_BLOCK_BYTES, lz4Codec } from '../../../../app/common/lz4-codec.js';

describe('lz4Codec', () => {
  it('round-trips text and incompressible bytes, shrinks text and grows the rest by a frame only', async () => {
    const text = Buffer.from('Kafka keeps the records of one key in order. '.repeat(20_000));
    const random = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 7919) % 251));
    for (const input of [text, random, Buffer.alloc(0)]) {
      const compressed = await lz4Codec.compress({ buffer: input });
      // Buffer.equals: vitest's toEqual walks a large buffer index by index.
      expect((await lz4Codec.decompress(compressed)).equals(input)).toBe(true);
    }
    expect((await lz4Codec.compress({ buffer: text })).byteLength).toBeLessThan(
      text.byteLength / 10,
    );
  });

  it('writes a standard LZ4 frame marked block-independent, which Kafka requires', async () => {
    const frame = await lz4Codec.compress({ buffer: Buffer.from('x'.repeat(1_000)) });
    expect(frame.readUInt32LE(0)).toBe(0x184d2204);
    expect(frame[4]).toBe(0x60); // version 01, block independence, no checksums
    expect(frame[5]).toBe(0x70); // 4 MiB blocks
    expect(frame[6]).toBe(0x73); // descriptor checksum of 0x60 0x70, as in Kafka's own frames
  });

  it('fails when a batch would need several dependent blocks', async () => {
    await expect(
      lz4Codec.compress({ buffer: Buffer.alloc(LZ4JS_BLOCK_BYTES + 1) }),
    ).rejects.toThrow(/several dependent blocks, which Kafka cannot decode/);
  });
});
