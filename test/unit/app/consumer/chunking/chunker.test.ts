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
      { index: 0, start: 2, text: 'Hello,\n  World!', tokenCount: 2 },
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
      expect(chunks).toEqual([{ index: 0, start: 0, text: `before ${blob} after`, tokenCount: 3 }]);
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

/** A counter that also adds up the characters it was asked to tokenize: the chunker's cost. */
function costCounter(count: (text: string) => number) {
  const cost = { calls: 0, chars: 0 };
  const counter = (text: string): number => {
    cost.calls++;
    cost.chars += text.length;
    return count(text);
  };
  return { cost, counter };
}

/** As BERT pre-tokenizes: runs of letters/digits, and each punctuation mark alone. */
const bertLikeCounter = (text: string): number =>
  (text.match(/[^\s\p{P}!-/:-@[-`{-~]+|[\p{P}!-/:-@[-`{-~]/gu) ?? []).length;

describe('Chunker cost and budget (issue 10: one record must not stop a partition)', () => {
  it('tokenizes at most a few times the text, whatever its shape (linear cost)', () => {
    for (const make of [
      (n: number) => 'a,'.repeat(n / 2), // the issue's record: one 800 KB "word"
      (n: number) => '—'.repeat(n), // punctuation the pre-tokenizer isolates, not ASCII
      (n: number) => 'x9q'.repeat(n / 3), // one long word of many tokens
      (n: number) => 'word, '.repeat(n / 6),
    ]) {
      for (const size of [6_000, 24_000, 96_000]) {
        const { cost, counter } = costCounter(bertLikeCounter);
        const chunker = new Chunker(counter, { chunkTokens: 32, overlapTokens: 4 });
        const text = make(size);
        chunker.chunk(text);
        expect(cost.chars).toBeLessThanOrEqual(4 * text.length + 1_000);
      }
    }
  });

  it('fails with too-complex once a document passes maxChunks, without reading all of it', () => {
    const { cost, counter } = costCounter(bertLikeCounter);
    const chunker = new Chunker(counter, { chunkTokens: 32, overlapTokens: 0, maxChunks: 10 });
    const text = 'a,'.repeat(400_000);
    expect(() => chunker.chunk(text)).toThrow(
      expect.objectContaining({ name: 'ChunkingError', reason: 'too-complex' }),
    );
    // stopped near 10 chunks' worth of units, not after 800,000 characters
    expect(cost.chars).toBeLessThan(10_000);
  });

  it('cuts a huge word into pieces of at most maxPieceChars, in order, covering it', () => {
    // one [UNK]-like token per piece however long: only maxPieceChars bounds the piece
    const chunker = new Chunker((t) => (t.trim() === '' ? 0 : 1), {
      chunkTokens: 16,
      overlapTokens: 0,
      maxPieceChars: 1_000,
    });
    const word = 'é'.repeat(10_500);
    const chunks = chunker.chunk(`start ${word} end`);
    expect(chunks.map((c) => c.text.length)).toEqual([
      5,
      ...Array.from({ length: 10 }, () => 1_000),
      500,
      3,
    ]);
    expect(
      chunks
        .slice(1, -1)
        .map((c) => c.text)
        .join(''),
    ).toBe(word);
  });

  it('never cuts a surrogate pair in two', () => {
    const chunker = new Chunker((t) => Array.from(t.trim()).length, {
      chunkTokens: 9,
      overlapTokens: 0,
    });
    const word = '😀'.repeat(500);
    for (const chunk of chunker.chunk(word)) {
      expect(chunk.text).toBe(Array.from(chunk.text).join(''));
      expect(chunk.text.charCodeAt(0)).not.toBe(0xde00);
      expect(chunk.tokenCount).toBeLessThanOrEqual(9);
    }
  });

  it('yields to the event loop while it works, so heartbeats and /health get their turn', async () => {
    const chunker = new Chunker(bertLikeCounter, { chunkTokens: 32, sliceMs: 0 });
    let turns = 0;
    let ticking = true;
    const tick = () => {
      turns++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    await chunker.chunkAsync('word, '.repeat(20_000));
    ticking = false;
    expect(turns).toBeGreaterThan(10);
  });

  it('fails with too-complex past its time budget', async () => {
    const chunker = new Chunker(bertLikeCounter, { budgetMs: 0, sliceMs: 0 });
    await expect(chunker.chunkAsync('word, '.repeat(50_000))).rejects.toMatchObject({
      name: 'ChunkingError',
      reason: 'too-complex',
      message: expect.stringMatching(/0 ms budget/),
    });
  });

  it('stops when its signal is aborted', async () => {
    const chunker = new Chunker(bertLikeCounter, { sliceMs: 0 });
    await expect(
      chunker.chunkAsync('word, '.repeat(50_000), { signal: AbortSignal.abort() }),
    ).rejects.toThrow();
  });

  it('keeps its token-count cache within cacheBytes', () => {
    const chunker = new Chunker(bertLikeCounter, { cacheBytes: 10_000 });
    chunker.chunk(Array.from({ length: 5_000 }, (_, i) => `distinct${i}`).join(' '));
    expect(chunker.cacheSizeBytes).toBeGreaterThan(0);
    expect(chunker.cacheSizeBytes).toBeLessThanOrEqual(10_000);
  });

  it('fails when maxChunks or maxPieceChars is out of range', () => {
    expect(() => new Chunker(bertLikeCounter, { maxChunks: 0 })).toThrow(/maxChunks must be/);
    expect(() => new Chunker(bertLikeCounter, { maxPieceChars: 10 })).toThrow(
      /maxPieceChars must be an integer >= 128/,
    );
  });
});

describe.skipIf(!existsSync(join(modelDir, 'tokenizer.json')))(
  'Chunker on hostile shapes, with the model tokenizer',
  () => {
    let chunker: Chunker;
    beforeAll(async () => {
      chunker = await Chunker.fromModelDir(modelDir);
    });

    it('refuses the issue record ("a," x 400,000, 800 KB) as too-complex', async () => {
      await expect(chunker.chunkAsync('a,'.repeat(400_000))).rejects.toMatchObject({
        reason: 'too-complex',
        message: expect.stringMatching(/more than 4096 chunks/),
      });
    });

    it.each([
      ['a 200 KB word of one letter', 'a'.repeat(200_000)],
      ['a run of one multi-byte character', 'é'.repeat(100_000)],
      ['a run of CJK characters', '中'.repeat(20_000)],
      ['a run of emoji', '😀'.repeat(50_000)],
      ['punctuation-dense text', '!?.,;:—…'.repeat(5_000)],
    ])('cuts %s into chunks that fit the model and cover it in order', async (_, text) => {
      const chunks = await chunker.chunkAsync(text);
      expect(chunks.length).toBeGreaterThan(0);
      let end = 0;
      for (const chunk of chunks) {
        expect(text.slice(chunk.start, chunk.start + chunk.text.length)).toBe(chunk.text);
        expect(chunk.start).toBeLessThanOrEqual(end); // no gap: the text is covered
        expect(chunk.text.length).toBeLessThanOrEqual(4096);
        expect(chunker.count(chunk.text)).toBeLessThanOrEqual(128);
        end = Math.max(end, chunk.start + chunk.text.length);
      }
      expect(end).toBe(text.length);
    });
  },
);
