/**
 * Correctness against an independent implementation: `@huggingface/transformers`'
 * feature-extraction pipeline (its own tokenizer call, tensors, session and pooling) on the same
 * model files must give the vectors `/embed` gives, cosine >= 0.9999 for every sentence.
 */
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { env, type PreTrainedTokenizer, pipeline } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbedderApp } from '../../../../../app/embedder/src/app.js';
import { buildTestApp, cosine } from '../../../../helpers/embedder-app.js';
import { findModelDir } from '../../../../helpers/model-dir.js';

const LONG = [
  'Kafka keeps every chunk of a document on one partition because records are keyed by the document id. '.repeat(
    12,
  ),
  `${'Zero trust means every hop is authenticated and authorized, '.repeat(30)}and this tail is past the limit.`,
  Array.from({ length: 400 }, (_, i) => `token${i}`).join(' '),
  'Die Einbettung langer Texte wird nach 256 Tokens abgeschnitten, wie bei sentence-transformers. '.repeat(
    10,
  ),
];

const SENTENCES: readonly string[] = [
  'A man is eating food.',
  'A man is eating a piece of bread.',
  'A monkey is playing drums.',
  'Hi',
  'ok',
  'x',
  '42',
  '?',
  '...',
  '!!!???',
  '   ',
  '\n\t  \n',
  '  leading and trailing whitespace  ',
  'Multiple     spaces\tand\ttabs\nand newlines.',
  'The quick brown fox jumps over the lazy dog.',
  'THE QUICK BROWN FOX, SHOUTED!',
  "Don't stop believin' — hold on to that feelin'.",
  'E-mail me at someone@example.com or visit https://example.com/path?q=1&x=2.',
  'Price: $1,299.99 (incl. 20% VAT) — valid until 2026-12-31.',
  'function add(a, b) { return a + b; } // adds two numbers',
  'SELECT id, name FROM users WHERE age > 30 ORDER BY name;',
  '{"key": "value", "list": [1, 2, 3]}',
  'C++ and C# are different languages; so are Java and JavaScript.',
  'The mitochondria is the powerhouse of the cell.',
  'Retrieval-augmented generation grounds a language model in documents.',
  'Strimzi runs Apache Kafka on Kubernetes with KRaft and node pools.',
  'Istio enforces mutual TLS between sidecars in STRICT mode.',
  'Embeddings map text to points where distance reflects meaning.',
  'Le chat est assis sur le tapis.',
  "L'été dernier, nous sommes allés à la mer avec nos élèves.",
  'Der schnelle braune Fuchs springt über den faulen Hund.',
  'Größenänderung und Übermäßigkeit sind schwierige Wörter.',
  'El niño comió una manzana en el jardín.',
  'O João não sabia onde ficava a estação.',
  'Привет, как дела? Всё хорошо.',
  'Καλημέρα σε όλους.',
  'これは日本語の文章です。',
  '我喜欢在公园里散步。',
  '안녕하세요, 만나서 반갑습니다.',
  'مرحبا بكم في عالم التعلم الآلي',
  'שלום עולם',
  'नमस्ते दुनिया',
  'สวัสดีครับ',
  'Café, naïve, résumé, coöperate, jalapeño.',
  'I love this! 😀🎉',
  '🚀🚀🚀',
  'Weather today: ☀️ then 🌧️, 18°C.',
  'Thumbs up 👍🏽 and a family 👨‍👩‍👧‍👦.',
  'Math: ∑ x² ≥ 0 and π ≈ 3.14159; ∞ > 1.',
  'Mixed: hello 世界 bonjour мир 🌍!',
  'a b c d e f g h i j k l m n o p q r s t u v w x y z',
  'Supercalifragilisticexpialidocious antidisestablishmentarianism.',
  'pneumonoultramicroscopicsilicovolcanoconiosis',
  '#hashtag @mention r/subreddit ~tilde ^caret',
  'Line one.\nLine two.\nLine three.',
  ...LONG,
];

const MAX_TOKENS = 256;

/**
 * What the oracle embeds for a sentence. sentence-transformers (Hugging Face's Rust tokenizers)
 * truncates to 256 tokens *keeping* the closing [SEP]; transformers.js 4.3 cuts after adding
 * special tokens, dropping [SEP]. So for a long sentence the oracle gets the text of its own
 * first 254 content tokens, which it wraps in [CLS] ... [SEP] itself: the reference behaviour,
 * computed with none of our code.
 */
function oracleInput(tokenizer: PreTrainedTokenizer, sentence: string): string {
  const ids = tokenizer.encode(sentence);
  if (ids.length <= MAX_TOKENS) return sentence;
  const kept = ids.slice(1, MAX_TOKENS - 1);
  const text = tokenizer.decode(kept, { skip_special_tokens: true });
  // The round trip must be exact, or the comparison would be about different token ids.
  expect(tokenizer.encode(text)).toEqual([ids[0], ...kept, ids.at(-1)]);
  return text;
}

describe('POST /embed against @huggingface/transformers', () => {
  let app: EmbedderApp;
  let oracleDir: string;
  let oracleVectors: number[][];

  beforeAll(async () => {
    const modelDir = findModelDir();
    // The layout transformers.js reads from env.localModelPath: <root>/<name>/onnx/model.onnx.
    oracleDir = await mkdtemp(join(tmpdir(), 'meshrag-oracle-'));
    const name = 'all-MiniLM-L6-v2';
    await mkdir(join(oracleDir, name, 'onnx'), { recursive: true });
    await copyFile(join(modelDir, 'model.onnx'), join(oracleDir, name, 'onnx', 'model.onnx'));
    for (const file of [
      'config.json',
      'tokenizer.json',
      'tokenizer_config.json',
      'special_tokens_map.json',
    ]) {
      await copyFile(join(modelDir, file), join(oracleDir, name, file));
    }
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.localModelPath = oracleDir;
    const extractor = await pipeline('feature-extraction', name, { dtype: 'fp32' });
    oracleVectors = [];
    for (const sentence of SENTENCES) {
      const output = await extractor(oracleInput(extractor.tokenizer, sentence), {
        pooling: 'mean',
        normalize: true,
      });
      oracleVectors.push(Array.from(output.data as Float32Array));
    }
    await extractor.dispose();
    // fp32 on onnxruntime, the graph the oracle runs: this checks tokenization, batching and
    // pooling exactly; the int8 variants are held to their own floor in model-accuracy.test.ts.
    app = await buildTestApp({
      config: { maxClientBatchSize: 256, runtime: 'onnxruntime', precision: 'fp32' },
    });
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await rm(oracleDir, { recursive: true, force: true });
  });

  it('covers at least 50 varied sentences, some past the 256-token limit', () => {
    expect(SENTENCES.length).toBeGreaterThanOrEqual(50);
    expect(LONG.length).toBeGreaterThan(0);
  });

  it('matches the oracle with cosine >= 0.9999 for every sentence, batched in one request', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/embed',
      payload: { inputs: SENTENCES },
    });
    expect(response.statusCode).toBe(200);
    const vectors = response.json<number[][]>();
    const similarities = SENTENCES.map((sentence, i) => ({
      sentence: sentence.slice(0, 40),
      cosine: cosine(vectors[i] as number[], oracleVectors[i] as number[]),
    }));
    const worst = similarities.filter((s) => !(s.cosine >= 0.9999));
    expect(worst).toEqual([]);
  });

  it('matches the oracle one sentence per request too (no batch effects)', async () => {
    const responses = await Promise.all(
      SENTENCES.map((inputs) => app.inject({ method: 'POST', url: '/embed', payload: { inputs } })),
    );
    responses.forEach((response, i) => {
      const [vector] = response.json<number[][]>();
      expect(cosine(vector as number[], oracleVectors[i] as number[])).toBeGreaterThanOrEqual(
        0.9999,
      );
    });
  });
});
