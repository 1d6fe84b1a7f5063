import { beforeAll, describe, expect, it } from 'vitest';
import { loadModelFiles } from '../../../../../app/common/model-files.js';
import { ValidationError } from '../../../../../app/embedder/src/errors.js';
import { EmbeddingTokenizer } from '../../../../../app/embedder/src/tokenization/embedding-tokenizer.js';
import { OffsetTokenizer } from '../../../../../app/embedder/src/tokenization/offset-tokenizer.js';
import { findModelDir } from '../../../../helpers/model-dir.js';

const TEXTS = [
  'hello world',
  'Héllo wörld, naïve café!',
  '这是一个测试句子',
  'emoji 😀🎉 and symbols ©®™ — “quotes”',
  "Don't split contractions' apostrophes... or U.S.A. abbreviations",
  '   leading and trailing spaces\t\n',
  'The embedder truncates long inputs at the model limit. '.repeat(10),
];

describe('OffsetTokenizer', () => {
  let offsets: OffsetTokenizer;
  let embedding: EmbeddingTokenizer;
  beforeAll(async () => {
    const files = await loadModelFiles(findModelDir());
    offsets = await OffsetTokenizer.load(files.paths['tokenizer.json'], 256);
    embedding = await EmbeddingTokenizer.load(
      files.paths['tokenizer.json'],
      files.paths['tokenizer_config.json'],
      10_000,
    );
  });

  it('gives the ids the embedding tokenizer gives, so /tokenize describes what /embed runs', async () => {
    for (const text of TEXTS) {
      const tokens = await offsets.tokenize(text, { addSpecialTokens: true });
      expect(
        tokens.map((t) => t.id),
        text,
      ).toEqual(Array.from(embedding.encode(text, { truncate: false })));
    }
  });

  it('gives byte offsets whose slice of the UTF-8 input is the token text', async () => {
    for (const text of TEXTS) {
      const bytes = Buffer.from(text);
      for (const token of await offsets.tokenize(text, { addSpecialTokens: true })) {
        if (token.special) {
          expect(token.start).toBeNull();
          continue;
        }
        expect(bytes.subarray(token.start as number, token.stop as number).toString()).toBe(
          token.text,
        );
      }
    }
  });

  it('fails when the input is past maxInputTokens x 250 characters, counting code points', async () => {
    const limit = 256 * 250;
    await expect(
      offsets.tokenize('😀'.repeat(limit), { addSpecialTokens: true }),
    ).resolves.toBeDefined();
    await expect(
      offsets.tokenize('😀'.repeat(limit + 1), { addSpecialTokens: true }),
    ).rejects.toBeInstanceOf(ValidationError);
  });
});
