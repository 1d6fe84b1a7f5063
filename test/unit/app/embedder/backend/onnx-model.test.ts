import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnnxModel } from '../../../../../app/embedder/src/backend/onnx-model.js';
import { EmbeddingTokenizer } from '../../../../../app/embedder/src/tokenization/embedding-tokenizer.js';
import { cosine } from '../../../../helpers/embedder-app.js';
import { findModelDir } from '../../../../helpers/model-dir.js';

describe('OnnxModel', () => {
  let model: OnnxModel;
  let tokenizer: EmbeddingTokenizer;
  beforeAll(async () => {
    const dir = findModelDir();
    model = await OnnxModel.load(join(dir, 'model.onnx'), { intraOpNumThreads: 1 });
    tokenizer = await EmbeddingTokenizer.load(
      join(dir, 'tokenizer.json'),
      join(dir, 'tokenizer_config.json'),
      256,
    );
  });
  afterAll(async () => {
    await model.close();
  });

  it('gives the same vector for an input alone and in a padded, length-bucketed batch', async () => {
    const texts = [
      'short',
      'a somewhat longer sentence about pooling',
      'word '.repeat(100),
      'mid length text here',
    ];
    const sequences = texts.map((text) => tokenizer.encode(text, { truncate: true }));
    const batched = await model.embed(sequences);
    for (const [i, sequence] of sequences.entries()) {
      const [alone] = await model.embed([sequence]);
      expect(cosine(alone as Float32Array, batched[i] as Float32Array)).toBeGreaterThan(0.99999);
    }
  });

  it('gives the same vectors when maxRunTokens splits a batch into several runs', async () => {
    const small = await OnnxModel.load(join(findModelDir(), 'model.onnx'), { maxRunTokens: 32 });
    const sequences = ['one two three', 'four five six seven', 'eight', 'nine ten'].map((text) =>
      tokenizer.encode(text, { truncate: true }),
    );
    const split = await small.embed(sequences);
    const whole = await model.embed(sequences);
    split.forEach((vector, i) => {
      expect(cosine(vector, whole[i] as Float32Array)).toBeGreaterThan(0.99999);
    });
    await small.close();
  });

  it('reads the output width from the graph', () => {
    expect(model.info).toMatchObject({
      dimensions: 384,
      activeProvider: 'cpu',
      requestedProvider: 'cpu',
    });
  });
});
