/**
 * Text to token ids for the embedding model, with the model's length limit applied, before a
 * request is queued (as TEI's router does), so the queue knows each input's token count when it
 * forms a batch. Small requests are tokenized on the event loop (a few ms at most); larger ones
 * in a worker thread, so no single request holds the loop before admission (issue 10: a 2 MiB
 * body of punctuation is two million tokens, seconds of work).
 */
import { readFile } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { Tokenizer } from '@huggingface/tokenizers';
import { PayloadTooLargeError, TokenizationError } from '../errors.js';
import type {
  TokenizerWorkerData,
  TokenizerWorkerRequest,
  TokenizerWorkerResponse,
} from './tokenizer-worker.js';

/**
 * Requests with at most this many characters in all are tokenized on the event loop; larger ones
 * go to the worker. Measured: ~1-5 µs per character here, so 8 Ki characters stay within a few
 * ms, and a typical consumer request (32 chunks of ~600 characters) pays one worker hop.
 */
export const INLINE_TOKENIZE_CHARS = 8 * 1024;

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
    const normalizer = (tokenizerJson as { normalizer?: BertNormalizerConfig | null }).normalizer;
    return new EmbeddingTokenizer(
      new Tokenizer(tokenizerJson, tokenizerConfig),
      maxInputTokens,
      { tokenizerJsonPath, tokenizerConfigPath, maxInputTokens },
      // As Rust `tokenizers`, whose BertNormalizer defaults handle_chinese_chars to true.
      normalizer?.type === 'BertNormalizer' && normalizer.handle_chinese_chars !== false,
    );
  }

  private worker: TokenizerWorker | undefined;

  constructor(
    private readonly tokenizer: Tokenizer,
    /** The model's sequence limit, special tokens included (256 for all-MiniLM-L6-v2). */
    readonly maxInputTokens: number,
    /** Where a worker loads the same tokenizer from; without it everything runs inline. */
    private readonly workerData?: TokenizerWorkerData,
    /** Whether the model's normalizer splits CJK ideographs into words of their own. */
    private readonly splitsCjk = false,
  ) {}

  /**
   * Encodes every input of a request: inline when small, in the worker thread otherwise.
   * @throws PayloadTooLargeError, TokenizationError as `encode`
   */
  async encodeAll(texts: readonly string[], options: EncodeOptions): Promise<Int32Array[]> {
    let chars = 0;
    for (const text of texts) chars += text.length;
    if (chars <= INLINE_TOKENIZE_CHARS || this.workerData === undefined) {
      return texts.map((text, index) => this.encode(text, options, index));
    }
    this.worker ??= new TokenizerWorker(this.workerData);
    return this.worker.encode(texts, options.truncate);
  }

  /**
   * Starts the worker thread and waits until it has loaded the tokenizer, so that the first
   * large request does not wait for it: spawned by that request, it answered in 0.5-0.7 s
   * instead of 35-70 ms (measured under tsx; the event loop was not held either way). Nothing
   * to do without `workerData`.
   */
  async startWorker(): Promise<void> {
    if (this.workerData === undefined) return;
    this.worker ??= new TokenizerWorker(this.workerData);
    await this.worker.ready;
  }

  /** Stops the worker thread, if one was started. */
  async close(): Promise<void> {
    await this.worker?.close();
    this.worker = undefined;
  }

  /**
   * Encodes one input with `[CLS]`/`[SEP]`. Past the limit it keeps the first tokens and the
   * closing special token, as Hugging Face truncation does, or throws when `truncate` is false.
   * @throws PayloadTooLargeError when too long and not truncating (413, as TEI)
   * @throws TokenizationError when the tokenizer itself fails
   */
  encode(text: string, options: EncodeOptions, index = 0): Int32Array {
    let ids: number[];
    try {
      ids = this.tokenizer.encode(this.splitsCjk ? spaceAstralCjk(text) : text).ids;
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

interface BertNormalizerConfig {
  readonly type: string;
  readonly handle_chinese_chars?: boolean;
}

/**
 * CJK ideographs outside the BMP (Extension B onwards: U+20000-U+2FA1F, BERT's ranges), each
 * as a word of its own, as BERT's normalizer does with every CJK ideograph. The JS tokenizer
 * checks UTF-16 units, so it never sees these: `"𠀀0"` was one unknown word (3 tokens) on the
 * embedding path and two words on /tokenize, as in TEI (4 tokens). Found by fast-check.
 * @see https://github.com/huggingface/tokenizers/blob/main/tokenizers/src/normalizers/bert.rs
 */
const ASTRAL_CJK =
  /[\u{20000}-\u{2A6DF}\u{2A700}-\u{2B73F}\u{2B740}-\u{2B81F}\u{2B820}-\u{2CEAF}\u{2F800}-\u{2FA1F}]/gu;

export function spaceAstralCjk(text: string): string {
  return text.replace(ASTRAL_CJK, ' $& ');
}

/** One worker thread, its requests answered in order; respawned if it dies. */
class TokenizerWorker {
  private readonly worker: Worker;
  private nextId = 0;
  private readonly pending = new Map<
    number,
    { resolve: (sequences: Int32Array[]) => void; reject: (error: Error) => void }
  >();

  /** Settles once the worker has loaded the tokenizer, or has failed to. */
  readonly ready: Promise<void>;

  constructor(data: TokenizerWorkerData) {
    let ready: (() => void) | undefined;
    let failed: ((error: Error) => void) | undefined;
    this.ready = new Promise<void>((resolve, reject) => {
      ready = resolve;
      failed = reject;
    });
    // Requests report a failed worker themselves; only `startWorker` awaits this.
    this.ready.catch(() => {});
    this.worker = spawnWorker(data);
    this.worker.unref();
    this.worker.on('message', (message: TokenizerWorkerResponse | { ready: true }) => {
      if (!('id' in message)) {
        ready?.();
        return;
      }
      const waiting = this.pending.get(message.id);
      if (!waiting) return;
      this.pending.delete(message.id);
      if ('sequences' in message) waiting.resolve(message.sequences);
      else if (message.error.name === 'PayloadTooLargeError') {
        waiting.reject(new PayloadTooLargeError(message.error.message));
      } else waiting.reject(new TokenizationError(message.error.message));
    });
    const failAll = (error: Error) => {
      failed?.(new TokenizationError(`tokenizer worker failed: ${error.message}`));
      for (const waiting of this.pending.values()) {
        waiting.reject(new TokenizationError(`tokenizer worker failed: ${error.message}`));
      }
      this.pending.clear();
    };
    this.worker.on('error', failAll);
    this.worker.on('exit', (code) => failAll(new Error(`exited with code ${code}`)));
  }

  encode(texts: readonly string[], truncate: boolean): Promise<Int32Array[]> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ id, texts, truncate } satisfies TokenizerWorkerRequest);
    }).finally(() => {
      if (this.pending.size === 0) this.worker.unref();
    }) as Promise<Int32Array[]>;
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

/** As the onnx backend: compiled JavaScript as is, TypeScript sources through tsx. */
function spawnWorker(data: TokenizerWorkerData): Worker {
  const fromSources = import.meta.url.endsWith('.ts');
  const entry = new URL(
    fromSources ? './tokenizer-worker.ts' : './tokenizer-worker.js',
    import.meta.url,
  );
  if (!fromSources) return new Worker(entry, { workerData: data });
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(bootstrap, { eval: true, workerData: data });
}
