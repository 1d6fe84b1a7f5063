/**
 * Cuts a document into overlapping chunks that each fit the embedding model, counted in the
 * model's own tokens. The same tokenizer files as the model are used (loaded from the model
 * directory), so "fits" means what the embedder will see.
 *
 * Chunk text is always a slice of the original text (never a lossy decode of token ids). The
 * text is read as a sequence of units whose token counts add up: whitespace-separated words,
 * because the BERT pre-tokenizer splits at whitespace too. Each distinct word is tokenized once
 * and cached (the cache is bounded in bytes).
 *
 * Cost is linear in the text, whatever its shape (issue 10: `"a,a,a,…"` of 800 KB took hours,
 * because a word longer than a chunk was cut by re-tokenizing ever shorter prefixes of the
 * whole rest of the word, a binary search per piece: quadratic). Now:
 * - a word longer than `LONG_WORD_CHARS` is first split after each ASCII punctuation mark, where
 *   the pre-tokenizer splits as well, so its parts still add up and pack like words;
 * - a part still longer than `maxPieceChars`, or more tokens than a chunk, is cut into pieces
 *   sized from the token density of the piece before (one or two tokenizer calls per piece, each
 *   on at most `maxPieceChars` characters); a piece stands alone as a chunk, because glued to
 *   its neighbours it could tokenize differently from the sum of its parts.
 *
 * Work per document is bounded: past `maxChunks` chunks (or the tokens that many chunks can
 * hold) it stops with a `ChunkingError` of reason `too-complex`, and `chunkAsync` also stops
 * past `budgetMs` and yields to the event loop every `sliceMs`, so Kafka heartbeats and /health
 * are never starved by a large record.
 */
import { readFile } from 'node:fs/promises';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { Tokenizer } from '@huggingface/tokenizers';
import { loadModelFiles } from '../../../common/model-files.js';
import { ChunkingError } from '../errors.js';

/** One piece of a document, ready to embed. */
export interface Chunk {
  /** 0-based position in the document. */
  readonly index: number;
  /** Where `text` starts in the document, in UTF-16 code units. */
  readonly start: number;
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
  /**
   * Most chunks one document may become; a document past it is refused as `too-complex`.
   * 1 MiB of English prose is about 2,300 chunks of 128 tokens; `"a,"` repeated over 800 KB
   * would be 7,000 (one token per byte) and minutes of embedding.
   * @default 4096
   */
  readonly maxChunks?: number;
  /**
   * Longest piece an over-long word is cut into, in UTF-16 code units. A word of letters over
   * 100 characters is one `[UNK]` token to WordPiece, so without this bound one chunk could
   * carry megabytes of text.
   * @default 4096
   */
  readonly maxPieceChars?: number;
  /**
   * Wall-clock budget of `chunkAsync` for one document; past it the document is refused as
   * `too-complex`. A safety net for shapes the chunk budget does not foresee.
   * @default 30_000
   */
  readonly budgetMs?: number;
  /**
   * How long `chunkAsync` works before it yields to the event loop.
   * @default 10
   */
  readonly sliceMs?: number;
  /**
   * Bytes of words (UTF-16, plus bookkeeping) kept in the token-count cache; it is emptied
   * when full.
   * @default 16 MiB
   */
  readonly cacheBytes?: number;
}

export interface ChunkAsyncOptions {
  /** Stops the work at the next slice (e.g. the consumer is shutting down). */
  readonly signal?: AbortSignal;
}

/** Counts tokens of a text without special tokens; the seam tests replace. */
export type TokenCounter = (text: string) => number;

/** Words up to this long are counted whole; longer ones are split after ASCII punctuation. */
export const LONG_WORD_CHARS = 128;

/** Bookkeeping bytes per cache entry, on top of the key's UTF-16 bytes. */
const CACHE_ENTRY_OVERHEAD_BYTES = 64;

/** Units processed between looks at the clock. */
const UNITS_PER_CLOCK_CHECK = 256;

/** Runs between ASCII punctuation marks, and the marks: the BERT pre-tokenizer isolates them. */
const PARTS_OF_LONG_WORD = /[!-/:-@[-`{-~]|[^!-/:-@[-`{-~]+/g;

/** The units of a text, in parallel arrays (a 1 MiB text can be a million units). */
class Units {
  readonly start: number[] = [];
  readonly end: number[] = [];
  readonly tokens: number[] = [];
  /** 1 for a piece of a cut word, which must stand alone as a chunk. */
  readonly piece: number[] = [];
  totalTokens = 0;

  push(start: number, end: number, tokens: number, piece: boolean): void {
    this.start.push(start);
    this.end.push(end);
    this.tokens.push(tokens);
    this.piece.push(piece ? 1 : 0);
    this.totalTokens += tokens;
  }

  get length(): number {
    return this.start.length;
  }
}

export class Chunker {
  readonly chunkTokens: number;
  readonly overlapTokens: number;
  readonly maxInputTokens: number;
  readonly maxChunks: number;
  readonly maxPieceChars: number;
  readonly budgetMs: number;
  readonly sliceMs: number;
  readonly cacheBytes: number;
  private readonly cache = new Map<string, number>();
  private cachedBytes = 0;

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
    this.maxChunks = options.maxChunks ?? 4096;
    this.maxPieceChars = options.maxPieceChars ?? 4096;
    this.budgetMs = options.budgetMs ?? 30_000;
    this.sliceMs = options.sliceMs ?? 10;
    this.cacheBytes = options.cacheBytes ?? 16 * 1024 * 1024;
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
    if (!Number.isInteger(this.maxChunks) || this.maxChunks < 1) {
      throw new Error(`Chunker: maxChunks must be an integer >= 1, got ${this.maxChunks}`);
    }
    if (!Number.isInteger(this.maxPieceChars) || this.maxPieceChars < LONG_WORD_CHARS) {
      throw new Error(
        `Chunker: maxPieceChars must be an integer >= ${LONG_WORD_CHARS}, got ${this.maxPieceChars}`,
      );
    }
  }

  /** Tokens of `text` without special tokens. */
  count(text: string): number {
    return this.countTokens(text);
  }

  /** Bytes the token-count cache holds now (never more than `cacheBytes`). */
  get cacheSizeBytes(): number {
    return this.cachedBytes;
  }

  /**
   * Cuts `text` into chunks in one go; the same text and options always give the same chunks.
   * Blocks for as long as it takes (linear in the text): services use `chunkAsync`.
   * @throws ChunkingError `too-complex` past `maxChunks`
   */
  chunk(text: string): Chunk[] {
    const steps = this.steps(text);
    for (;;) {
      const step = steps.next();
      if (step.done) return step.value;
    }
  }

  /**
   * Cuts `text` into chunks like `chunk`, yielding to the event loop every `sliceMs`.
   * @throws ChunkingError `too-complex` past `maxChunks` or `budgetMs`
   */
  async chunkAsync(text: string, options: ChunkAsyncOptions = {}): Promise<Chunk[]> {
    const steps = this.steps(text);
    const startedAt = performance.now();
    let sliceStartedAt = startedAt;
    for (;;) {
      const step = steps.next();
      if (step.done) return step.value;
      const now = performance.now();
      if (now - sliceStartedAt < this.sliceMs) continue;
      if (now - startedAt > this.budgetMs) {
        throw new ChunkingError(
          'too-complex',
          `chunking took more than its ${this.budgetMs} ms budget (${text.length} characters)`,
        );
      }
      await yieldToEventLoop();
      options.signal?.throwIfAborted();
      sliceStartedAt = performance.now();
    }
  }

  /** The chunking itself, as a generator that yields where the caller may pause. */
  private *steps(text: string): Generator<void, Chunk[]> {
    const units = new Units();
    yield* this.readUnits(text, units);
    const chunks: Chunk[] = [];
    const { start: from, end: to, tokens: unitTokens, piece } = units;
    let start = 0;
    while (start < units.length) {
      if (chunks.length >= this.maxChunks) throw this.tooManyChunks(text);
      if (chunks.length % UNITS_PER_CLOCK_CHECK === 0) yield;
      if (piece[start] === 1) {
        chunks.push(
          this.makeChunk(
            chunks.length,
            text,
            from[start] ?? 0,
            to[start] ?? 0,
            unitTokens[start] ?? 0,
          ),
        );
        start++;
        continue;
      }
      let end = start;
      let tokens = unitTokens[start] ?? 0;
      while (end + 1 < units.length) {
        const next = end + 1;
        if (piece[next] === 1 || tokens + (unitTokens[next] ?? 0) > this.chunkTokens) break;
        tokens += unitTokens[next] ?? 0;
        end = next;
      }
      chunks.push(this.makeChunk(chunks.length, text, from[start] ?? 0, to[end] ?? 0, tokens));
      if (end + 1 >= units.length) break;
      // Step back over up to overlapTokens worth of units, always moving forward.
      let nextStart = end + 1;
      let overlap = 0;
      while (nextStart - 1 > start) {
        const previous = nextStart - 1;
        if (piece[previous] === 1 || overlap + (unitTokens[previous] ?? 0) > this.overlapTokens) {
          break;
        }
        overlap += unitTokens[previous] ?? 0;
        nextStart--;
      }
      if (piece[end + 1] === 1) nextStart = end + 1;
      start = nextStart;
    }
    return chunks;
  }

  /** Splits the text into units with token counts; units with no tokens are left out. */
  private *readUnits(text: string, units: Units): Generator<void, void> {
    // Past this many tokens the document cannot fit in maxChunks chunks: stop reading early.
    const tokenLimit = this.maxChunks * this.chunkTokens;
    let sinceYield = 0;
    for (const match of text.matchAll(/\S+/gu)) {
      const word = match[0];
      const start = match.index;
      if (word.length <= LONG_WORD_CHARS) {
        this.addUnit(units, text, start, start + word.length, this.wordTokens(word));
      } else {
        for (const part of word.matchAll(PARTS_OF_LONG_WORD)) {
          const partStart = start + part.index;
          const partEnd = partStart + part[0].length;
          if (part[0].length <= LONG_WORD_CHARS) {
            this.addUnit(units, text, partStart, partEnd, this.wordTokens(part[0]));
          } else if (part[0].length <= this.maxPieceChars) {
            this.addUnit(units, text, partStart, partEnd, this.countTokens(part[0]));
          } else {
            this.addPieces(units, text, partStart, partEnd);
          }
          if (++sinceYield >= UNITS_PER_CLOCK_CHECK) {
            sinceYield = 0;
            if (units.totalTokens > tokenLimit) throw this.tooManyChunks(text);
            yield;
          }
        }
      }
      if (++sinceYield >= UNITS_PER_CLOCK_CHECK) {
        sinceYield = 0;
        if (units.totalTokens > tokenLimit) throw this.tooManyChunks(text);
        yield;
      }
    }
    if (units.totalTokens > tokenLimit) throw this.tooManyChunks(text);
  }

  /** Adds a counted unit; one with more tokens than a chunk is cut into pieces instead. */
  private addUnit(units: Units, text: string, start: number, end: number, tokens: number): void {
    if (tokens === 0) return; // characters the tokenizer drops (controls): nothing to embed
    if (tokens <= this.chunkTokens) units.push(start, end, tokens, false);
    else this.addPieces(units, text, start, end);
  }

  /**
   * Cuts `text[start, end)` into pieces of at most `chunkTokens` tokens and `maxPieceChars`
   * characters. Each piece's length is guessed from the token density of the one before, and
   * shrunk (by the density it turned out to have) when it does not fit: a few tokenizer calls
   * per piece, each on a bounded slice, so the whole cut is linear in the word.
   */
  private addPieces(units: Units, text: string, start: number, end: number): void {
    let position = start;
    let guess = this.maxPieceChars;
    while (position < end) {
      let length = Math.min(guess, end - position);
      let tokens: number;
      for (;;) {
        length = codePointBoundary(text, position, length);
        tokens = this.countTokens(text.slice(position, position + length));
        if (tokens <= this.chunkTokens) break;
        if (length <= ((text.codePointAt(position) ?? 0) > 0xffff ? 2 : 1)) {
          throw new ChunkingError(
            'too-complex',
            `a single character at offset ${position} is more than ${this.chunkTokens} tokens`,
          );
        }
        length = Math.max(
          1,
          Math.min(length - 1, Math.floor(((length * this.chunkTokens) / tokens) * 0.9)),
        );
      }
      if (tokens > 0) units.push(position, position + length, tokens, true);
      position += length;
      guess =
        tokens === 0
          ? this.maxPieceChars
          : Math.max(
              1,
              Math.min(this.maxPieceChars, Math.floor((length * this.chunkTokens) / tokens)),
            );
    }
  }

  private makeChunk(
    index: number,
    text: string,
    start: number,
    end: number,
    tokens: number,
  ): Chunk {
    return { index, start, text: text.slice(start, end), tokenCount: tokens };
  }

  private wordTokens(word: string): number {
    const cached = this.cache.get(word);
    if (cached !== undefined) return cached;
    const tokens = this.countTokens(word);
    const bytes = word.length * 2 + CACHE_ENTRY_OVERHEAD_BYTES;
    if (this.cachedBytes + bytes > this.cacheBytes) {
      this.cache.clear();
      this.cachedBytes = 0;
    }
    this.cache.set(word, tokens);
    this.cachedBytes += bytes;
    return tokens;
  }

  private tooManyChunks(text: string): ChunkingError {
    return new ChunkingError(
      'too-complex',
      `document would be more than ${this.maxChunks} chunks of ${this.chunkTokens} tokens ` +
        `(${text.length} characters); split it, or raise maxChunks`,
    );
  }
}

/** `length`, moved by one code unit if the cut would split a surrogate pair. */
function codePointBoundary(text: string, position: number, length: number): number {
  const cut = position + length;
  if (cut >= text.length) return length;
  const code = text.charCodeAt(cut);
  if (code < 0xdc00 || code > 0xdfff) return length;
  return length > 1 ? length - 1 : length + 1;
}
