import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { beforeAll, describe, expect, it } from 'vitest';
import { Chunker } from '../../../../../app/consumer/src/chunking/chunker.js';
import { resolveCachePaths } from '../../../../../local/cache-paths.js';

/** The model directory `meshrag local fetch` fills (npm test runs it before the unit tests). */
const modelDir = process.env.MESHRAG_TEST_MODEL_DIR ?? resolveCachePaths().modelDir;

/** Counts one token per whitespace-separated word: enough to test the packing logic alone. */
const wordCounter = (text: string): number => text.split(/\s+/).filter(Boolean).length;

describe('Chunker packing (one token per word)', () => {
  const words = Array.from({ length: 100 }, (_, i) => `w${i}`);
  const text = words.join(' ');

  it('cuts into chunks of at most chunkTokens with the configured overlap', () => {
    const chunker = new Chunker(wordCounter, { chunkTokens: 10, overlapTokens: 3 });
    const chunks = chunker.chunk(text);
    expect(chunks[0]?.text).toBe(words.slice(0, 10).join(' '));
    expect(chunks[1]?.text).toBe(words.slice(7, 17).join(' '));
    for (const chunk of chunks) expect(chunk.tokenCount).toBeLessThanOrEqual(10);
    expect(chunks.map((c) => c.index)).toEqual(chunks.map((_, i) => i));
    // every word is in some chunk, and the last chunk ends the text
    expect(chunks.at(-1)?.text.endsWith('w99')).toBe(true);
    expect(chunks).toHaveLength(14);
  });

  it('is deterministic', () => {
    const a = new Chunker(wordCounter, { chunkTokens: 10, overlapTokens: 3 }).chunk(text);
    const b = new Chunker(wordCounter, { chunkTokens: 10, overlapTokens: 3 }).chunk(text);
    expect(a).toEqual(b);
  });

  it('makes one chunk of a short text, keeping its original characters', () => {
    const chunker = new Chunker(wordCounter, { chunkTokens: 10, overlapTokens: 2 });
    expect(chunker.chunk('  Hello,\n  World!  ')).toEqual([
      { index: 0, text: 'Hello,\n  World!', tokenCount: 2 },
    ]);
  });

  it('without overlap, chunks partition the words', () => {
    const chunker = new Chunker(wordCounter, { chunkTokens: 25, overlapTokens: 0 });
    const chunks = chunker.chunk(text);
    expect(chunks).toHaveLength(4);
    expect(chunks.map((c) => c.text).join(' ')).toBe(text);
  });

  it('fails when chunkTokens plus special tokens exceed the model input', () => {
    expect(() => new Chunker(wordCounter, { chunkTokens: 255, maxInputTokens: 256 })).toThrow(
      /exceeds the model's 256-token input; use chunkTokens <= 254/,
    );
  });

  it('fails when the overlap is more than half a chunk', () => {
    expect(() => new Chunker(wordCounter, { chunkTokens: 10, overlapTokens: 6 })).toThrow(
      /overlapTokens must be an integer in \[0, chunkTokens\/2/,
    );
  });
});

describe.skipIf(!existsSync(join(modelDir, 'tokenizer.json')))(
  'Chunker with the model tokenizer',
  () => {
    let chunker: Chunker;
    let tokenizer: Tokenizer;
    const countWithSpecials = (text: string): number => tokenizer.encode(text).ids.length;

    beforeAll(async () => {
      chunker = await Chunker.fromModelDir(modelDir);
      tokenizer = new Tokenizer(
        JSON.parse(await readFile(join(modelDir, 'tokenizer.json'), 'utf8')),
        JSON.parse(await readFile(join(modelDir, 'tokenizer_config.json'), 'utf8')),
      );
    });

    const prose = Array.from(
      { length: 60 },
      (_, i) =>
        `Paragraph ${i}: Kafka keeps records in partitions; the consumer (group "ingest") reads them in order, ` +
        `chunks naïve café text, résumés and 東京 notes, embeds them and writes vectors to Chroma.`,
    ).join('\n\n');

    it('cuts real text into chunks that fit the model, counted by its tokenizer', () => {
      const chunks = chunker.chunk(prose);
      expect(chunks.length).toBeGreaterThan(10);
      for (const chunk of chunks) {
        expect(chunk.tokenCount).toBeLessThanOrEqual(128);
        expect(chunker.count(chunk.text)).toBe(chunk.tokenCount);
        expect(countWithSpecials(chunk.text)).toBeLessThanOrEqual(256);
        expect(prose.includes(chunk.text)).toBe(true);
      }
    });

    it('overlaps consecutive chunks by at most overlapTokens', () => {
      const chunks = chunker.chunk(prose);
      for (let i = 1; i < chunks.length; i++) {
        const previous = chunks[i - 1]?.text ?? '';
        const current = chunks[i]?.text ?? '';
        const firstWord = current.split(/\s+/)[0] ?? '';
        // the next chunk starts inside the previous one (overlap) ...
        expect(previous.includes(firstWord)).toBe(true);
      }
    });

    it('cuts a word longer than a chunk into pieces that each fit', async () => {
      // WordPiece maps a word over 100 characters to one [UNK], so only a shorter word can be
      // more tokens than a chunk: use small chunks to exercise the cut.
      const small = await Chunker.fromModelDir(modelDir, { chunkTokens: 16, overlapTokens: 4 });
      const word = 'x9q'.repeat(30);
      expect(small.count(word)).toBeGreaterThan(16);
      const chunks = small.chunk(`before ${word} after`);
      expect(chunks[0]?.text).toBe('before');
      expect(chunks.at(-1)?.text).toBe('after');
      expect(
        chunks
          .slice(1, -1)
          .map((c) => c.text)
          .join(''),
      ).toBe(word);
      for (const chunk of chunks) {
        expect(small.count(chunk.text)).toBe(chunk.tokenCount);
        expect(chunk.tokenCount).toBeLessThanOrEqual(16);
      }
    });

    it('counts a word over 100 characters as one token, as the model does', () => {
      const blob = 'QmFzZTY0'.repeat(200);
      const chunks = chunker.chunk(`before ${blob} after`);
      expect(chunks).toEqual([{ index: 0, text: `before ${blob} after`, tokenCount: 3 }]);
      expect(countWithSpecials(chunks[0]?.text ?? '')).toBe(5);
    });

    it('honours a configured chunk size', async () => {
      const small = await Chunker.fromModelDir(modelDir, { chunkTokens: 32, overlapTokens: 8 });
      const chunks = small.chunk(prose);
      expect(chunks.length).toBeGreaterThan(chunker.chunk(prose).length * 3);
      for (const chunk of chunks) expect(small.count(chunk.text)).toBeLessThanOrEqual(32);
    });
  },
);
