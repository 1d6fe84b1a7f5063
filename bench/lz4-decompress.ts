/**
 * LZ4 decompression of small record batches, as the consumer fetches them: lz4js' own
 * `decompress()` (allocates the frame's declared 4 MiB block per call) against `lz4Codec`
 * (one reused buffer), side by side in one run.
 * Run: `node --import tsx bench/lz4-decompress.ts`
 */
import * as lz4 from 'lz4js';
import { lz4Codec } from '../app/common/lz4-codec.js';

const batch = Buffer.from(
  JSON.stringify({ id: 'doc-1', content: 'Kafka partitions keep order. '.repeat(20) }).repeat(5),
);
const frames = await Promise.all(
  Array.from({ length: 300 }, () => lz4Codec.compress({ buffer: batch })),
);

async function time(label: string, decompress: (frame: Buffer) => Promise<unknown> | unknown) {
  for (const frame of frames.slice(0, 20)) await decompress(frame); // warm up
  const started = performance.now();
  for (const frame of frames) await decompress(frame);
  const ms = performance.now() - started;
  console.log(
    `${label}: ${frames.length} batches of ${batch.byteLength} bytes in ${ms.toFixed(1)} ms`,
  );
  return ms;
}

const before = await time('lz4js decompress()', (frame) => lz4.decompress(frame));
const after = await time('lz4Codec.decompress', (frame) => lz4Codec.decompress(frame));
console.log(`ratio: lz4Codec is ${(before / after).toFixed(1)}x faster`);
