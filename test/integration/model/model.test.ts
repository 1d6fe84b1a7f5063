/**
 * The real model from the cache that `meshrag local fetch` fills: verified by its manifest,
 * tokenized and run through onnxruntime (the fp32 graph, the default precision) exactly as the embedder does, giving 384-dim unit
 * vectors whose cosine ranks related sentences above unrelated ones.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadModelFiles, type ModelFiles } from '../../../app/common/model-files.js';
import { l2Normalize } from '../../../app/embedder/src/backend/mean-pooling.js';
import { OnnxModel } from '../../../app/embedder/src/backend/onnx-model.js';
import { EmbeddingTokenizer } from '../../../app/embedder/src/tokenization/embedding-tokenizer.js';
import { FP32_GRAPH_SHA256, WEIGHT_INT8_SHA256 } from '../../../local/model/model-fetch.js';
import { cosine, norm } from '../../helpers/embedder-app.js';
import { findModelDir } from '../../helpers/model-dir.js';

describe('the cached all-MiniLM-L6-v2 model', () => {
  let files: ModelFiles;
  let model: OnnxModel;
  let tokenizer: EmbeddingTokenizer;

  beforeAll(async () => {
    // The global setup hands over the cache's verified model directory.
    files = await loadModelFiles(inject('modelDir') ?? findModelDir());
    model = await OnnxModel.load(files.paths['model.onnx'], { precision: 'fp32' });
    tokenizer = await EmbeddingTokenizer.load(
      files.paths['tokenizer.json'],
      files.paths['tokenizer_config.json'],
      files.manifest.maxInputTokens,
    );
  });
  afterAll(async () => {
    await model?.close();
  });

  const embed = async (texts: string[]) =>
    (await model.embed(texts.map((text) => tokenizer.encode(text, { truncate: true })))).map(
      l2Normalize,
    );

  it('is the fp32 graph built bit-exactly from the pinned weights, with a 256-token limit', () => {
    expect(files.manifest).toMatchObject({
      modelId: 'sentence-transformers/all-MiniLM-L6-v2',
      dimensions: 384,
      maxInputTokens: 256,
    });
    expect(files.manifest.files['model.onnx'].sha256).toBe(FP32_GRAPH_SHA256);
    expect(files.manifest.files['model-int8-ov.xml'].source.build?.pinnedBy).toBe('accuracy');
    // The weight-compressed IR is data-free, so bit-exact from the same pins as the fp32 graph.
    for (const [file, sha256] of Object.entries(WEIGHT_INT8_SHA256)) {
      const entry = files.manifest.files[file as keyof typeof WEIGHT_INT8_SHA256];
      expect(entry.sha256).toBe(sha256);
      expect(entry.source.build?.pinnedBy).toBe('sha256');
    }
  });

  it('embeds a sentence as a 384-dim unit-norm vector', async () => {
    const [vector] = await embed(['A man is eating food.']);
    expect(vector).toHaveLength(384);
    expect(norm(vector as Float32Array)).toBeCloseTo(1, 5);
  });

  it('puts "eating food" closer to "eating bread" than to "playing drums"', async () => {
    const [food, bread, drums] = (await embed([
      'A man is eating food.',
      'A man is eating a piece of bread.',
      'A monkey is playing drums.',
    ])) as [Float32Array, Float32Array, Float32Array];
    const toBread = cosine(food, bread);
    const toDrums = cosine(food, drums);
    expect(toBread).toBeGreaterThan(toDrums);
    expect(toBread).toBeGreaterThan(0.5);
    expect(toDrums).toBeLessThan(0.3);
  });
});
