import * as lz4 from 'lz4js';
import { describe, expect, it } from 'vitest';
import { LZ4JS_BLOCK_BYTES, lz4Codec } from '../../../../app/common/lz4-codec.js';

/**
 * A frame as Kafka's Java side writes it: 64 KB blocks, block-independent, here one block taken from
 * an lz4js frame followed by one stored uncompressed.
 */
function javaStyleFrame(compressedPart: Buffer, storedPart: Buffer): Buffer {
  const lz4jsFrame = Buffer.from(lz4.compress(compressedPart));
  // the block with its size field as lz4js wrote it (it stores input it cannot shrink)
  const block = lz4jsFrame.subarray(7, 11 + (lz4jsFrame.readUInt32LE(7) & 0x7fffffff));
  const header = Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x00]);
  const size = (n: number, stored = false) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE((stored ? 0x80000000 : 0) + n);
    return b;
  };
  return Buffer.concat([header, block, size(storedPart.byteLength, true), storedPart, size(0)]);
}

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

  it('decompresses frames of any size in turn, each exactly (the reused buffer leaks nothing between calls)', async () => {
    const big = Buffer.from('A long batch of records. '.repeat(40_000));
    const small = Buffer.from('tiny');
    const stored = Buffer.from(Array.from({ length: 5_000 }, (_, i) => (i * 31) % 256));
    const inputs = [big, small, Buffer.alloc(0), big.subarray(0, 70_000), small];
    for (const input of inputs) {
      const frame = await lz4Codec.compress({ buffer: input });
      const output = await lz4Codec.decompress(frame);
      expect(output.byteLength).toBe(input.byteLength);
      expect(output.equals(input)).toBe(true);
    }
    // Kafka's own frames: 64 KB blocks, compressed and stored blocks mixed
    const javaFrame = javaStyleFrame(small, stored);
    const output = await lz4Codec.decompress(javaFrame);
    expect(output.equals(Buffer.concat([small, stored]))).toBe(true);
    // the result owns its bytes: a later call does not change an earlier result
    const first = await lz4Codec.decompress(await lz4Codec.compress({ buffer: small }));
    await lz4Codec.decompress(await lz4Codec.compress({ buffer: big }));
    expect(first.toString()).toBe('tiny');
    expect(first.buffer.byteLength).toBeLessThan(LZ4JS_BLOCK_BYTES);
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
