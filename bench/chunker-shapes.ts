/**
 * The chunker on hostile shapes (issue 10): time and chunks per shape, or the refusal. Run:
 * `MESHRAG_CACHE_DIR=<cache> node --import tsx bench/chunker-shapes.ts`. Figures in
 * docs/reliability.md.
 */
import { readFileSync } from 'node:fs';
import { Chunker } from '../app/consumer/src/chunking/chunker.js';
import { resolveCachePaths } from '../local/cache-paths.js';

const chunker = await Chunker.fromModelDir(resolveCachePaths().modelDir);
const english = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const shapes: Record<string, string> = {
  'a, x8k': 'a,'.repeat(8_000),
  'a, x16k': 'a,'.repeat(16_000),
  'a, x32k': 'a,'.repeat(32_000),
  'a, x400k (the issue record, 800 KB)': 'a,'.repeat(400_000),
  'a x800k (one word)': 'a'.repeat(800_000),
  'é x400k': 'é'.repeat(400_000),
  '中 x300k': '中'.repeat(300_000),
  '— x100k': '—'.repeat(100_000),
  '😀 x200k': '😀'.repeat(200_000),
  'English 1 MiB': english.repeat(Math.ceil(1_048_576 / english.length)).slice(0, 1_048_576),
  'zero-width only': '\u200b'.repeat(100_000),
};
for (const [shape, text] of Object.entries(shapes)) {
  const started = performance.now();
  try {
    const chunks = await chunker.chunkAsync(text);
    const ms = Math.round(performance.now() - started);
    console.log(JSON.stringify({ shape, ms, chunks: chunks.length }));
  } catch (error) {
    const ms = Math.round(performance.now() - started);
    console.log(JSON.stringify({ shape, ms, refused: (error as { reason?: string }).reason }));
  }
}
