/**
 * The accuracy gate: every runtime x precision the embedder can serve, against the fp32 graph on
 * onnxruntime (itself checked against a float64 numpy forward pass when it was built; see
 * build-report.json), over the 200+ varied texts in local/model/accuracy-texts.json (short,
 * long past 256 tokens, non-English, emoji, code). fp32 paths must reach cosine 0.9999 on every
 * text; OpenVINO's int8 (the weight-compressed IR, compiled as the embedder serves it) 0.995. The
 * static int8 variants miss 0.995, so they are measured, reported and served by no precision.
 * Then a retrieval check on the sample corpus: the top-5 chunks of a fixed query set under int8
 * against those under fp32.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  loadModelFiles,
  type ModelFiles,
  STATIC_INT8_OPENVINO_FILE,
} from '../../../../../app/common/model-files.js';
import { cpuHasVnni } from '../../../../../app/embedder/src/backend/cpu-has-vnni.js';
import type { ModelPrecision } from '../../../../../app/embedder/src/backend/embedding-backend.js';
import { l2Normalize } from '../../../../../app/embedder/src/backend/mean-pooling.js';
import { OnnxModel } from '../../../../../app/embedder/src/backend/onnx-model.js';
import {
  DEFAULT_DYNAMIC_QUANTIZATION_GROUP_SIZE,
  OpenVinoModel,
} from '../../../../../app/embedder/src/backend/openvino-model.js';
import { loadConfig } from '../../../../../app/embedder/src/config.js';
import { resolvePrecision } from '../../../../../app/embedder/src/embedder.js';
import { EmbeddingTokenizer } from '../../../../../app/embedder/src/tokenization/embedding-tokenizer.js';
import { resolveCachePaths } from '../../../../../local/cache-paths.js';
import { cosine } from '../../../../helpers/embedder-app.js';
import { findModelDir } from '../../../../helpers/model-dir.js';

const MIN_COSINE: Record<ModelPrecision, number> = { fp32: 0.9999, int8: 0.995 };
const QUERIES = [
  'How does a consumer group share partitions?',
  'What does min.insync.replicas protect against?',
  'How are vectors stored and queried in Chroma?',
  'Why normalize embeddings before cosine similarity?',
  'How does Istio enforce mutual TLS between workloads?',
  'What is an AuthorizationPolicy allow-nothing baseline?',
  'How do I roll back a bad deployment?',
  'What should on-call check when latency rises?',
  'How do Kubernetes node pools schedule GPU pods?',
  'What happens to a message that fails validation?',
  'How are offsets committed after processing?',
  'Which batch size is best for upserts?',
];

interface Model {
  embed(sequences: readonly Int32Array[]): Promise<Float32Array[]>;
  close(): Promise<void>;
}

describe('model accuracy gate: every variant against the fp32 reference', () => {
  let files: ModelFiles;
  let tokenizer: EmbeddingTokenizer;
  let texts: string[];
  let chunks: string[];
  let reference: Float32Array[];
  let referenceChunks: Float32Array[];
  /** `gated`: served by a precision, so held to MIN_COSINE[precision]. */
  const models = new Map<string, { model: Model; precision: ModelPrecision; gated: boolean }>();
  const libDir =
    process.env.MESHRAG_EMBEDDER_OPENVINO_LIB_DIR ?? resolveCachePaths().openvinoLibDir;

  const embedAll = async (model: Model, inputs: readonly string[]) => {
    const out: Float32Array[] = [];
    for (let i = 0; i < inputs.length; i += 32) {
      const batch = inputs.slice(i, i + 32).map((t) => tokenizer.encode(t, { truncate: true }));
      out.push(...(await model.embed(batch)).map(l2Normalize));
    }
    return out;
  };

  beforeAll(async () => {
    files = await loadModelFiles(findModelDir());
    tokenizer = await EmbeddingTokenizer.load(
      files.paths['tokenizer.json'],
      files.paths['tokenizer_config.json'],
      files.manifest.maxInputTokens,
    );
    texts = (
      JSON.parse(await readFile('local/model/accuracy-texts.json', 'utf8')) as { texts: string[] }
    ).texts;
    chunks = [];
    for (const line of (await readFile('samples/corpus.jsonl', 'utf8')).split('\n')) {
      if (!line.trim()) continue;
      const sentences = (JSON.parse(line) as { content: string }).content.split(/(?<=\.)\s+/);
      for (let i = 0; i < sentences.length; i += 4)
        chunks.push(sentences.slice(i, i + 4).join(' '));
    }
    const dir = files.dir;
    const v = files.manifest.variants;
    const threads = 2;
    const fp32 = await OnnxModel.load(join(dir, v.onnxruntime.fp32), {
      intraOpNumThreads: threads,
    });
    reference = await embedAll(fp32, texts);
    referenceChunks = await embedAll(fp32, [...chunks, ...QUERIES]);
    await fp32.close();
    models.set('onnxruntime int8 (NNCF QDQ)', {
      model: await OnnxModel.load(join(dir, v.onnxruntime.int8), { intraOpNumThreads: threads }),
      precision: 'int8',
      gated: false,
    });
    models.set('openvino fp32', {
      model: await OpenVinoModel.load(join(dir, v.openvino.fp32), {
        libDir,
        precision: 'fp32',
        intraOpNumThreads: threads,
      }),
      precision: 'fp32',
      gated: true,
    });
    models.set('openvino int8 static (NNCF IR)', {
      model: await OpenVinoModel.load(join(dir, STATIC_INT8_OPENVINO_FILE), {
        libDir,
        precision: 'int8',
        variant: 'int8-static',
        intraOpNumThreads: threads,
      }),
      precision: 'int8',
      gated: false,
    });
    // As `precision: int8` serves it. On a CPU without VNNI the plugin runs it weight-only; with
    // VNNI this measures dynamic quantization too (unmeasured so far: a failure there is news).
    models.set(
      `openvino int8 weight-compressed (dq ${DEFAULT_DYNAMIC_QUANTIZATION_GROUP_SIZE}, cpu vnni ${cpuHasVnni()})`,
      {
        model: await OpenVinoModel.load(join(dir, v.openvino.int8), {
          libDir,
          precision: 'int8',
          variant: 'int8-weight-compressed',
          intraOpNumThreads: threads,
          compile: { dynamicQuantizationGroupSize: DEFAULT_DYNAMIC_QUANTIZATION_GROUP_SIZE },
        }),
        precision: 'int8',
        gated: true,
      },
    );
  }, 600_000);

  afterAll(async () => {
    for (const { model } of models.values()) await model.close();
  });

  it('checks at least 200 varied texts, some past the 256-token limit, some not English', () => {
    expect(texts.length).toBeGreaterThanOrEqual(200);
    expect(texts.some((t) => tokenizer.encode(t, { truncate: true }).length === 256)).toBe(true);
    expect(texts.some((t) => /[\u4e00-\u9fff]/.test(t))).toBe(true);
    expect(texts.some((t) => /\p{Extended_Pictographic}/u.test(t))).toBe(true);
  });

  it('was built with the fp32 graph matching a float64 numpy reference to 0.99999', async () => {
    const report = JSON.parse(await readFile(join(files.dir, 'build-report.json'), 'utf8')) as {
      cosineVsNumpyFloat64: Record<string, { min: number }>;
    };
    expect(report.cosineVsNumpyFloat64['onnxruntime-fp32']?.min).toBeGreaterThanOrEqual(0.99999);
    expect(report.cosineVsNumpyFloat64['openvino-fp32']?.min).toBeGreaterThanOrEqual(0.99999);
  });

  const summary: Record<string, { min: number; mean: number; worst: string }> = {};
  const measure = async () => {
    if (Object.keys(summary).length > 0) return summary;
    for (const [name, { model }] of models) {
      const vectors = await embedAll(model, texts);
      const cosines = vectors.map((vector, i) => cosine(vector, reference[i] as Float32Array));
      const min = Math.min(...cosines);
      summary[name] = {
        min,
        mean: cosines.reduce((a, b) => a + b, 0) / cosines.length,
        worst: (texts[cosines.indexOf(min)] as string).slice(0, 40),
      };
    }
    console.log(`accuracy vs fp32 over ${texts.length} texts: ${JSON.stringify(summary)}`);
    return summary;
  };

  it('keeps every fp32 variant, the default, above its cosine floor on every text', async () => {
    expect(resolvePrecision(loadConfig({}, [], { modelDir: files.dir }))).toBe('fp32');
    const measured = await measure();
    const below = [...models]
      .filter(([, { precision }]) => precision === 'fp32')
      .filter(([name]) => (measured[name]?.min ?? 0) < MIN_COSINE.fp32)
      .map(([name]) => `${name}: ${JSON.stringify(measured[name])}`);
    expect(below).toEqual([]);
  }, 600_000);

  it("keeps OpenVINO's int8, the weight-compressed IR, above the int8 floor on every text", async () => {
    const measured = await measure();
    const gated = [...models].filter(([, m]) => m.precision === 'int8' && m.gated);
    expect(gated).toHaveLength(1);
    const below = gated
      .filter(([name]) => (measured[name]?.min ?? 0) < MIN_COSINE.int8)
      .map(([name]) => `${name}: ${JSON.stringify(measured[name])}`);
    expect(below).toEqual([]);
  }, 600_000);

  // The static NNCF int8 variants miss the gate on the shortest texts (docs/model-build.md), so
  // no precision serves them. When a new recipe gets them past it, this fails: serve them and
  // mark them gated.
  it('measures the static int8 variants: not broken, but still below the gate', async () => {
    const measured = await measure();
    const statics = [...models].filter(([, m]) => m.precision === 'int8' && !m.gated);
    expect(statics).toHaveLength(2);
    for (const [name] of statics) {
      expect(measured[name]?.mean).toBeGreaterThanOrEqual(0.95);
      expect(measured[name]?.min).toBeLessThan(MIN_COSINE.int8);
    }
  }, 600_000);

  it('keeps the top-5 retrieval hits on the sample corpus nearly unchanged under int8', async () => {
    const top5 = (vectors: Float32Array[]) =>
      QUERIES.map((_, q) => {
        const query = vectors[chunks.length + q] as Float32Array;
        return chunks
          .map((_, c) => ({ c, score: cosine(query, vectors[c] as Float32Array) }))
          .sort((a, b) => b.score - a.score)
          .slice(0, 5)
          .map((hit) => hit.c);
      });
    const expected = top5(referenceChunks);
    const overlaps: Record<string, number> = {};
    const worst: Record<string, number> = {};
    for (const [name, { model, precision }] of models) {
      if (precision !== 'int8') continue;
      const actual = top5(await embedAll(model, [...chunks, ...QUERIES]));
      const shared = actual.map((hits, q) => hits.filter((c) => expected[q]?.includes(c)).length);
      overlaps[name] = shared.reduce((a, b) => a + b, 0) / (5 * QUERIES.length);
      worst[name] = Math.min(...shared);
    }
    console.log(
      `top-5 overlap with fp32 over ${QUERIES.length} queries x ${chunks.length} chunks: ${JSON.stringify(overlaps)}, worst query kept ${JSON.stringify(worst)} of 5`,
    );
    // Nearly unchanged: 80% of all hits kept, at least 3 of 5 for every query. The sample
    // corpus repeats its sentences across notes, so near-ties swap places under int8 noise.
    for (const name of Object.keys(overlaps)) {
      expect(overlaps[name]).toBeGreaterThanOrEqual(0.8);
      expect(worst[name]).toBeGreaterThanOrEqual(3);
    }
  }, 600_000);
});
