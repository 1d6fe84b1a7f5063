/**
 * Text to token ids for the embedding model, with the model's length limit applied. Runs on the
 * main thread before a request is queued (as TEI's router does), so the queue knows each
 * input's token count when it forms a batch.
 */
import { readFile } from 'node:fs/promises';
import { Tokenizer } from '@huggingface/tokenizers';
import { PayloadTooLargeError, TokenizationError } from '../errors.js';

export interface EncodeOptions {
  /** Cut inputs past `maxInputTokens` instead of rejecting them. */
  readonly truncate: boolean;
}

export class EmbeddingTokenizer {
  /** Loads `tokenizer.json` and `tokenizer_config.json`. */
  static async load(
    tokenizerJsonPath: string,
    tokenizerConfigPath: string,
    maxInputTokens: number,
  ): Promise<EmbeddingTokenizer> {
    const [tokenizerJson, tokenizerConfig] = await Promise.all([
      readFile(tokenizerJsonPath, 'utf8').then((text) => JSON.parse(text) as object),
      readFile(tokenizerConfigPath, 'utf8').then((text) => JSON.parse(text) as object),
    ]);
    return new EmbeddingTokenizer(new Tokenizer(tokenizerJson, tokenizerConfig), maxInputTokens);
  }

  constructor(
    private readonly tokenizer: Tokenizer,
    /** The model's sequence limit, special tokens included (256 for all-MiniLM-L6-v2). */
    readonly maxInputTokens: number,
  ) {}

  /**
   * Encodes one input with `[CLS]`/`[SEP]`. Past the limit it keeps the first tokens and the
   * closing special token, as Hugging Face truncation does, or throws when `truncate` is false.
   * @throws PayloadTooLargeError when too long and not truncating (413, as TEI)
   * @throws TokenizationError when the tokenizer itself fails
   */
  encode(text: string, options: EncodeOptions, index = 0): Int32Array {
    let ids: number[];
    try {
      ids = this.tokenizer.encode(text).ids;
    } catch (error) {
      throw new TokenizationError(
        `input ${index} could not be tokenized: ${(error as Error).message}`,
      );
    }
    if (ids.length <= this.maxInputTokens) return Int32Array.from(ids);
    if (!options.truncate) {
      throw new PayloadTooLargeError(
        `input ${index} has ${ids.length} tokens; the model takes at most ${this.maxInputTokens} (send "truncate": true to cut it)`,
      );
    }
    const truncated = new Int32Array(this.maxInputTokens);
    truncated.set(ids.slice(0, this.maxInputTokens - 1));
    truncated[this.maxInputTokens - 1] = ids.at(-1) as number;
    return truncated;
  }
}
