import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PayloadTooLargeError } from '../../../../../app/embedder/src/errors.js';
import { EmbeddingTokenizer } from '../../../../../app/embedder/src/tokenization/embedding-tokenizer.js';
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
});
