/**
 * Tokens with their place in the text, for TEI's `/tokenize` and `/decode`. The embedding path
 * uses the pure-JS tokenizer (`embedding-tokenizer.ts`), which gives no offsets; this one is
 * Hugging Face's Rust `tokenizers` (the library TEI itself runs) through its Node binding, on
 * the same `tokenizer.json`, so ids agree and offsets are the library's own.
 * @see https://github.com/huggingface/text-embeddings-inference/blob/main/core/src/tokenization.rs
 */
import { Tokenizer } from '@anush008/tokenizers';
import { TokenizationError, ValidationError } from '../errors.js';

/** One token as TEI's `/tokenize` answers it (`SimpleToken`). */
export interface OffsetToken {
  readonly id: number;
  /** The text the token covers; a special token's own text (`[CLS]`). */
  readonly text: string;
  readonly special: boolean;
  /** UTF-8 byte offset where the token starts in the input, as TEI; null for special tokens. */
  readonly start: number | null;
  /** UTF-8 byte offset where it stops (exclusive); null for special tokens. */
  readonly stop: number | null;
}

export interface OffsetTokenizeOptions {
  readonly addSpecialTokens: boolean;
}

export interface OffsetDecodeOptions {
  readonly skipSpecialTokens: boolean;
}

/**
 * TEI refuses to tokenize an input longer than this many characters per model token
 * (`MAX_CHAR_MULTIPLIER`): tokenizing a huge string costs time whatever its token count.
 */
export const MAX_CHARS_PER_TOKEN = 250;

export class OffsetTokenizer {
  /** Loads `tokenizer.json`, without the padding and truncation it may configure. */
  static async load(tokenizerJsonPath: string, maxInputTokens: number): Promise<OffsetTokenizer> {
    const tokenizer = Tokenizer.fromFile(tokenizerJsonPath);
    tokenizer.disablePadding();
    tokenizer.disableTruncation();
    return new OffsetTokenizer(tokenizer, maxInputTokens * MAX_CHARS_PER_TOKEN);
  }

  private constructor(
    private readonly tokenizer: Tokenizer,
    /** Longest input in characters (Unicode code points, as Rust's `chars()`). */
    readonly maxInputChars: number,
  ) {}

  /**
   * Tokenizes one input, never truncating.
   * @throws ValidationError past `maxInputChars` characters (422, as TEI)
   * @throws TokenizationError when the tokenizer fails (422)
   */
  async tokenize(text: string, options: OffsetTokenizeOptions, index = 0): Promise<OffsetToken[]> {
    // Counting code points stops at the limit, so a huge input costs no more than the limit.
    let chars = 0;
    for (const _ of text) if (++chars > this.maxInputChars) break;
    if (chars > this.maxInputChars) {
      throw new ValidationError(
        `input ${index} must have less than ${this.maxInputChars} characters. Given: ${[...text].length}`,
      );
    }
    let encoding: Awaited<ReturnType<Tokenizer['encode']>>;
    try {
      encoding = await this.tokenizer.encode(text, null, {
        addSpecialTokens: options.addSpecialTokens,
      });
    } catch (error) {
      throw new TokenizationError(
        `input ${index} could not be tokenized: ${(error as Error).message}`,
      );
    }
    const ids = encoding.getIds();
    const tokens = encoding.getTokens();
    const offsets = encoding.getOffsets();
    const special = encoding.getSpecialTokensMask();
    const bytes = utf8Offsets(text);
    // Encoded once: encoding the whole text again for each token made a 60,000-comma input
    // hold the event loop for seconds (quadratic).
    const utf8 = Buffer.from(text);
    return ids.map((id, i) => {
      if (special[i] === 1) {
        return { id, text: tokens[i] ?? '', special: true, start: null, stop: null };
      }
      const [from = 0, to = 0] = offsets[i] ?? [];
      const start = bytes[from] ?? 0;
      const stop = bytes[to] ?? start;
      return {
        id,
        text: utf8.toString('utf8', start, stop),
        special: false,
        start,
        stop,
      };
    });
  }

  /**
   * Decodes one id sequence; ids outside the vocabulary are skipped, as in `tokenizers`.
   * @throws TokenizationError when the tokenizer fails (422)
   */
  async decode(ids: readonly number[], options: OffsetDecodeOptions, index = 0): Promise<string> {
    try {
      return await this.tokenizer.decode([...ids], options.skipSpecialTokens);
    } catch (error) {
      throw new TokenizationError(`ids ${index} could not be decoded: ${(error as Error).message}`);
    }
  }
}

/**
 * The binding reports offsets in code points; TEI reports UTF-8 bytes. Maps code point `i` to
 * the byte where it starts (and one past the end to the byte length).
 */
function utf8Offsets(text: string): number[] {
  const starts = [0];
  let at = 0;
  for (const char of text) {
    const codePoint = char.codePointAt(0) ?? 0;
    at += codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
    starts.push(at);
  }
  return starts;
}
