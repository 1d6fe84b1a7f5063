import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PayloadTooLargeError, TokenizationError } from '../../../../../app/embedder/src/errors.js';
import {
  EmbeddingTokenizer,
  INLINE_TOKENIZE_CHARS,
  spaceAstralCjk,
} from '../../../../../app/embedder/src/tokenization/embedding-tokenizer.js';
import { findModelDir } from '../../../../helpers/model-dir.js';

describe('EmbeddingTokenizer', () => {
  let tokenizer: EmbeddingTokenizer;
  beforeAll(async () => {
    const dir = findModelDir();
    tokenizer = await EmbeddingTokenizer.load(
      join(dir, 'tokenizer.json'),
      join(dir, 'tokenizer_config.json'),
      256,
    );
  });

  it('wraps an input in [CLS] ... [SEP] with lowercase WordPiece ids', () => {
    expect(Array.from(tokenizer.encode('Hello world', { truncate: true }))).toEqual([
      101, 7592, 2088, 102,
    ]);
  });

  it('truncates to 256 tokens keeping the closing [SEP]', () => {
    const ids = tokenizer.encode('word '.repeat(600), { truncate: true });
    expect(ids).toHaveLength(256);
    expect(ids[0]).toBe(101);
    expect(ids[255]).toBe(102);
    expect(ids[254]).toBe(2773);
  });

  it('fails when an input is past the limit and truncation is off (413)', () => {
    expect(() => tokenizer.encode('word '.repeat(600), { truncate: false }, 3)).toThrow(
      PayloadTooLargeError,
    );
    expect(() => tokenizer.encode('word '.repeat(600), { truncate: false }, 3)).toThrow(
      /input 3 has 602 tokens/,
    );
  });

  it('tokenizes a large request in a worker thread with the same ids, without holding the event loop', async () => {
    const large = ['word, '.repeat(300), '!?.,'.repeat(512_000 / 4), 'Hello world'];
    let turns = 0;
    let ticking = true;
    const tick = () => {
      turns++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const started = performance.now();
    const sequences = await tokenizer.encodeAll(large, { truncate: true });
    ticking = false;
    const ms = performance.now() - started;
    // the loop kept turning while 512 KB of punctuation was tokenized elsewhere
    expect(turns).toBeGreaterThan(Math.min(50, ms / 20));
    expect(sequences.map((s) => Array.from(s))).toEqual(
      large.map((text) => Array.from(tokenizer.encode(text, { truncate: true }))),
    );
    await expect(tokenizer.encodeAll(large, { truncate: false })).rejects.toThrow(
      PayloadTooLargeError,
    );
    await tokenizer.close();
  }, 120_000);

  it('starts its worker before the first large request, and fails when the worker cannot load', async () => {
    const dir = findModelDir();
    const started = await EmbeddingTokenizer.load(
      join(dir, 'tokenizer.json'),
      join(dir, 'tokenizer_config.json'),
      256,
    );
    await started.startWorker();
    const [ids] = await started.encodeAll(['word '.repeat(INLINE_TOKENIZE_CHARS)], {
      truncate: true,
    });
    expect(ids).toHaveLength(256);
    await started.close();

    const broken = new EmbeddingTokenizer(
      // the inline tokenizer is never used here
      undefined as never,
      256,
      {
        tokenizerJsonPath: join(dir, 'no-such-tokenizer.json'),
        tokenizerConfigPath: join(dir, 'tokenizer_config.json'),
        maxInputTokens: 256,
      },
    );
    await expect(broken.startWorker()).rejects.toThrow(TokenizationError);
    await broken.close();
  }, 60_000);

  it('splits CJK ideographs past the BMP into words, as BERT does with every CJK ideograph', () => {
    // U+2F800 is a CJK compatibility ideograph; 中 (BMP) is left to the tokenizer itself
    expect(spaceAstralCjk('𠀀0 a\u{2F800}b 中')).toBe(' 𠀀 0 a \u{2F800} b 中');
    // [CLS] [UNK] 0 [SEP], as Rust tokenizers (and /tokenize) give it
    expect(tokenizer.encode('𠀀0', { truncate: true })).toHaveLength(4);
  });

  it('tokenizes a small request inline', async () => {
    const [ids] = await tokenizer.encodeAll(['Hello world'], { truncate: true });
    expect(Array.from(ids ?? [])).toEqual([101, 7592, 2088, 102]);
    expect(INLINE_TOKENIZE_CHARS).toBeGreaterThanOrEqual(1024);
  });
});
