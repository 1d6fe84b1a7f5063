/**
 * The LZ4 codec kafkajs lacks (it ships GZIP only), over `lz4js`: pure JavaScript, so it
 * installs on Node 20 and in the images with no compiler and no binary download, unlike
 * `kafkajs-lz4` (the native `lz4` addon, built by node-gyp) or `@kafkajs/zstd` (native zstd).
 *
 * Kafka's Java side (`KafkaLZ4BlockInputStream`) reads standard LZ4 frames but refuses a frame
 * whose block-independence flag is clear ("Dependent block stream is unsupported"; the broker
 * answers UNKNOWN_SERVER_ERROR), and `lz4js` clears it because its blocks may refer back to
 * the one before. Its blocks are 4 MiB, so a frame of up to 4 MiB is one block, independent
 * in fact: the codec sets the flag and recomputes the descriptor checksum. Producers split
 * requests far below that (`RecordSizeBudget.maxRequestBytes`); a bigger input is refused here
 * with the reason instead of producing a frame the broker cannot read.
 * @see https://github.com/lz4/lz4/blob/dev/doc/lz4_Frame_format.md
 */
import { createRequire } from 'node:module';
import * as lz4 from 'lz4js';

/** lz4js' xxHash32, for the frame descriptor checksum (not in its typings). */
const xxh32 = createRequire(import.meta.url)('lz4js/xxh32.js') as {
  hash(seed: number, src: Uint8Array, index: number, length: number): number;
};

/** FLG bit 5: every block decodes on its own. */
const FLG_BLOCK_INDEPENDENCE = 0x20;

/** The block size `lz4js` writes (block maximum size code 7). */
export const LZ4JS_BLOCK_BYTES = 4 * 1024 * 1024;

/** kafkajs' codec shape: `compress` gets its encoder, `decompress` a buffer. */
export const lz4Codec = {
  async compress(encoder: { buffer: Buffer }): Promise<Buffer> {
    const input = encoder.buffer;
    if (input.byteLength > LZ4JS_BLOCK_BYTES) {
      throw new Error(
        `LZ4: a record batch of ${input.byteLength} bytes would need several dependent blocks, which Kafka cannot decode; split the request (RecordSizeBudget.maxRequestBytes)`,
      );
    }
    const frame = toBuffer(lz4.compress(input));
    // Magic (4 bytes), FLG, BD, then HC = second byte of xxh32(FLG, BD).
    frame[4] = (frame[4] ?? 0) | FLG_BLOCK_INDEPENDENCE;
    frame[6] = (xxh32.hash(0, frame, 4, 2) >>> 8) & 0xff;
    return frame;
  },
  async decompress(buffer: Buffer): Promise<Buffer> {
    return toBuffer(lz4.decompress(buffer));
  },
};

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
