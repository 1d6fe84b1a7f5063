/**
 * Property-based tests (fast-check) for the code hostile input reaches first: the envelope
 * decoder and the chunker. Counter-examples fast-check shrank to are kept below as regression
 * tests.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeEnvelope, InvalidEnvelopeError } from '../../../app/common/envelope.js';
import { Chunker } from '../../../app/consumer/src/chunking/chunker.js';

/** As BERT pre-tokenizes: runs of letters/digits, and each punctuation mark alone. */
const bertLikeCounter = (text: string): number =>
  (text.match(/[^\s\p{P}!-/:-@[-`{-~]+|[\p{P}!-/:-@[-`{-~]/gu) ?? []).length;

const hostileText = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 400 }),
  fc.string({
    unit: fc.constantFrom('a', ',', ' ', 'é', '中', '😀', '—', '\u200b', '\n'),
    maxLength: 3000,
  }),
  fc
    .tuple(fc.constantFrom('a,', 'x9q', '—', 'é', ' '), fc.integer({ min: 1, max: 3000 }))
    .map(([unit, n]) => unit.repeat(n)),
);

describe('decodeEnvelope (property)', () => {
  it('never throws anything but InvalidEnvelopeError, whatever the bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        try {
          decodeEnvelope(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidEnvelopeError);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('accepts what a producer encodes and gives the same document back', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 256 }),
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 300 }).filter((s) => /\S/u.test(s)),
        fc.option(fc.string({ minLength: 1, maxLength: 50 }), { nil: undefined }),
        (id, content, tenant) => {
          const value = { id, content, ...(tenant === undefined ? {} : { tenant }) };
          const decoded = decodeEnvelope(Buffer.from(JSON.stringify(value)));
          expect(decoded).toMatchObject(value);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('Chunker (property)', () => {
  const chunker = new Chunker(bertLikeCounter, { chunkTokens: 16, overlapTokens: 4 });

  it('chunks are slices of the text, in order, covering every token', () => {
    fc.assert(
      fc.property(hostileText, (text) => {
        const chunks = chunker.chunk(text);
        let covered = 0;
        let previousStart = -1;
        for (const [i, chunk] of chunks.entries()) {
          expect(chunk.index).toBe(i);
          expect(text.slice(chunk.start, chunk.start + chunk.text.length)).toBe(chunk.text);
          expect(chunk.start).toBeGreaterThan(previousStart);
          // nothing with tokens is left between the previous chunk and this one
          expect(bertLikeCounter(text.slice(covered, chunk.start))).toBe(0);
          expect(chunk.tokenCount).toBeLessThanOrEqual(16);
          expect(bertLikeCounter(chunk.text)).toBeLessThanOrEqual(chunk.tokenCount);
          previousStart = chunk.start;
          covered = Math.max(covered, chunk.start + chunk.text.length);
        }
        expect(bertLikeCounter(text.slice(covered))).toBe(0);
      }),
      { numRuns: 150 },
    );
  }, 120_000);

  it('costs at most a few tokenizer characters per text character (linear)', () => {
    fc.assert(
      fc.property(hostileText, (text) => {
        let chars = 0;
        const counting = new Chunker(
          (t) => {
            chars += t.length;
            return bertLikeCounter(t);
          },
          { chunkTokens: 16, overlapTokens: 4 },
        );
        counting.chunk(text);
        expect(chars).toBeLessThanOrEqual(4 * text.length + 64);
      }),
      { numRuns: 300 },
    );
  }, 120_000);
});
