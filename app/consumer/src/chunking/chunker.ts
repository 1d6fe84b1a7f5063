/**
 * Cuts a document into overlapping chunks that each fit the embedding model, counted in the
 * model's own tokens. The same tokenizer files as the model are used (loaded from the model
 * directory), so "fits" means what the embedder will see.
 *
 * Chunk text is always a slice of the original text (never a lossy decode of token ids), cut
 * at whitespace. That works because the BERT pre-tokenizer also splits at whitespace, so the
 * token count of a span is the sum of the counts of its words; each distinct word is tokenized
 * once and cached. A single word longer than a whole chunk (a base64 blob, a long URL) is cut
 * into pieces that each become a chunk of their own, checked against the tokenizer.
 */
import { readFile } from 'node:fs/promises';
import { Tokenizer } from '@huggingface/tokenizers';
import { loadModelFiles } from '../../../common/model-files.js';
import { ChunkingError } from '../errors.js';

/** One piece of a document, ready to embed. */
export interface Chunk {
  /** 0-based position in the document. */
  readonly index: number;
  readonly text: string;
  /** Tokens in `text`, without the model's special tokens. */
  readonly tokenCount: number;
}

export interface ChunkerOptions {
  /**
   * Largest chunk, in tokens without the special tokens. all-MiniLM-L6-v2 was trained on
   * 128-token inputs (its card: longer input is "truncated at 256 word pieces" but training
   * used 128), so 128 keeps chunks where the model is best and is cheap to embed.
   * @default 128
   */
  readonly chunkTokens?: number;
  /**
   * Tokens repeated from the end of one chunk at the start of the next, so a sentence cut at
   * a boundary is whole in at least one chunk.
   * @default 16
   */
  readonly overlapTokens?: number;
  /**
   * The model's input limit in tokens, special tokens included.
   * @default 256
   */
  readonly maxInputTokens?: number;
  /**
   * Special tokens the model adds around every input ([CLS] and [SEP] for BERT).
   * @default 2
   */
  readonly specialTokens?: number;
}

/** Counts tokens of a text without special tokens; the seam tests replace. */
export type TokenCounter = (text: string) => number;

interface Word {
  readonly start: number;
  readonly end: number;
  readonly tokens: number;
  /** Set on the pieces of a word too long for one chunk. */
  readonly piece?: boolean;
}

const WORD_CACHE_LIMIT = 200_000;

export class Chunker {
  readonly chunkTokens: number;
  readonly overlapTokens: number;
  readonly maxInputTokens: number;
  private readonly cache = new Map<string, number>();

  /** Loads the tokenizer from a model directory (verified through its manifest). */
  static async fromModelDir(dir: string, options: ChunkerOptions = {}): Promise<Chunker> {
    const files = await loadModelFiles(dir);
    const [tokenizerJson, tokenizerConfig] = await Promise.all([
      readFile(files.paths['tokenizer.json'], 'utf8'),
      readFile(files.paths['tokenizer_config.json'], 'utf8'),
    ]);
    const tokenizer = new Tokenizer(JSON.parse(tokenizerJson), JSON.parse(tokenizerConfig));
    const count: TokenCounter = (text) =>
      tokenizer.encode(text, { add_special_tokens: false }).ids.length;
    return new Chunker(count, { maxInputTokens: files.manifest.maxInputTokens, ...options });
  }

  constructor(
    private readonly countTokens: TokenCounter,
    options: ChunkerOptions = {},
  ) {
    this.chunkTokens = options.chunkTokens ?? 128;
    this.overlapTokens = options.overlapTokens ?? 16;
    this.maxInputTokens = options.maxInputTokens ?? 256;
    const specialTokens = options.specialTokens ?? 2;
    if (!Number.isInteger(this.chunkTokens) || this.chunkTokens < 8) {
      throw new Error(`Chunker: chunkTokens must be an integer >= 8, got ${this.chunkTokens}`);
    }
    if (this.chunkTokens + specialTokens > this.maxInputTokens) {
      throw new Error(
        `Chunker: chunkTokens ${this.chunkTokens} + ${specialTokens} special tokens exceeds the model's ` +
          `${this.maxInputTokens}-token input; use chunkTokens <= ${this.maxInputTokens - specialTokens}`,
      );
    }
    if (
      !Number.isInteger(this.overlapTokens) ||
      this.overlapTokens < 0 ||
      this.overlapTokens > this.chunkTokens / 2
    ) {
      throw new Error(
        `Chunker: overlapTokens must be an integer in [0, chunkTokens/2 = ${this.chunkTokens / 2}], got ${this.overlapTokens}`,
      );
    }
  }

  /** Tokens of `text` without special tokens. */
  count(text: string): number {
    return this.countTokens(text);
  }

  /** Cuts `text` into chunks; the same text and options always give the same chunks. */
  chunk(text: string): Chunk[] {
    const words = this.words(text);
    const chunks: Chunk[] = [];
    let start = 0;
    while (start < words.length) {
      const first = words[start] as Word;
      if (first.piece) {
        // A piece of an over-long word stands alone: glued to its neighbours it could tokenize
        // differently from the sum of its parts.
        chunks.push(this.makeChunk(chunks.length, text, first, first, first.tokens));
        start++;
        continue;
      }
      let end = start;
      let tokens = first.tokens;
      while (end + 1 < words.length) {
        const next = words[end + 1] as Word;
        if (next.piece || tokens + next.tokens > this.chunkTokens) break;
        tokens += next.tokens;
        end++;
      }
      chunks.push(this.makeChunk(chunks.length, text, first, words[end] as Word, tokens));
      if (end + 1 >= words.length) break;
      // Step back over up to overlapTokens worth of words, always moving forward.
      let nextStart = end + 1;
      let overlap = 0;
      while (nextStart - 1 > start) {
        const previous = words[nextStart - 1] as Word;
        if (previous.piece || overlap + previous.tokens > this.overlapTokens) break;
        overlap += previous.tokens;
        nextStart--;
      }
      if ((words[end + 1] as Word).piece) nextStart = end + 1;
      start = nextStart;
    }
    return chunks;
  }

  private makeChunk(index: number, text: string, from: Word, to: Word, tokens: number): Chunk {
    return { index, text: text.slice(from.start, to.end), tokenCount: tokens };
  }

  private words(text: string): Word[] {
    const words: Word[] = [];
    for (const match of text.matchAll(/\S+/gu)) {
      const start = match.index;
      const word = match[0];
      const tokens = this.wordTokens(word);
      if (tokens === 0) continue; // characters the tokenizer drops (controls): nothing to embed
      if (tokens <= this.chunkTokens) {
        words.push({ start, end: start + word.length, tokens });
      } else {
        words.push(...this.splitLongWord(word, start));
      }
    }
    return words;
  }

  private wordTokens(word: string): number {
    const cached = this.cache.get(word);
    if (cached !== undefined) return cached;
    const tokens = this.countTokens(word);
    if (this.cache.size >= WORD_CACHE_LIMIT) this.cache.clear();
    this.cache.set(word, tokens);
    return tokens;
  }

  /** Cuts a word into the longest prefixes (by code points) that fit a chunk. */
  private splitLongWord(word: string, offset: number): Word[] {
    const codePoints = Array.from(word);
    const pieces: Word[] = [];
    let from = 0;
    let charOffset = offset;
    while (from < codePoints.length) {
      // Binary search the longest run of code points whose tokens fit.
      let low = 1;
      let high = codePoints.length - from;
      let best = 0;
      let bestTokens = 0;
      while (low <= high) {
        const mid = (low + high) >> 1;
        const tokens = this.countTokens(codePoints.slice(from, from + mid).join(''));
        if (tokens <= this.chunkTokens) {
          best = mid;
          bestTokens = tokens;
          low = mid + 1;
        } else {
          high = mid - 1;
        }
      }
      if (best === 0) {
        throw new ChunkingError(
          `a single character at offset ${charOffset} is more than ${this.chunkTokens} tokens`,
        );
      }
      const piece = codePoints.slice(from, from + best).join('');
      if (bestTokens > 0) {
        pieces.push({
          start: charOffset,
          end: charOffset + piece.length,
          tokens: bestTokens,
          piece: true,
        });
      }
      charOffset += piece.length;
      from += best;
    }
    return pieces;
  }
}
