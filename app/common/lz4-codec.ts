/**
 * The LZ4 codec kafkajs lacks (it ships GZIP only), over `lz4js`: pure JavaScript, so it
 * installs on Node 20 and in the images with no compiler and no binary download, unlike
 * `kafkajs-lz4` (the native `lz4` addon, built by node-gyp) or `@kafkajs/zstd` (native zstd).
 *
 * Kafka's Java side (`KafkaLZ4BlockInputStream`) reads a standard LZ4 frame but decodes each
 * block on its own, while `lz4js` lets a block refer back to the one before it. Its blocks are
 * 4 MiB, so a frame of up to 4 MiB is one block and always readable; producers split requests
 * far below that (`RecordSizeBudget.maxRequestBytes`), and a bigger input is refused here with
 * the reason instead of producing a frame the broker cannot read.
 * @see https://github.com/lz4/lz4/blob/dev/doc/lz4_Frame_format.md
 */
import * as lz4 from 'lz4js';

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
    return toBuffer(lz4.compress(input));
  },
  async decompress(buffer: Buffer): Promise<Buffer> {
    return toBuffer(lz4.decompress(buffer));
  },
};

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
