/**
 * Hugging Face's own Python client, `huggingface_hub.InferenceClient`, against the real
 * embedder process, as a user swapping TEI for it would: `feature_extraction` with the base
 * URL as the model (TEI's `POST /`) and with `/embed`, and `sentence_similarity`. The client is
 * installed from PyPI into a venv in the cache on first use (pinned in
 * huggingface-hub-requirements.txt). Vectors agree with `/embed`.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { resolveCachePaths } from '../../../local/cache-paths.js';
import { ensurePythonVenv, type PythonVenv } from '../../../local/python/python-venv.js';
import { consoleReporter } from '../../../local/reporter.js';
import { cosine, norm } from '../../helpers/embedder-app.js';
import { findModelDir } from '../../helpers/model-dir.js';
import { type ChildService, startEmbedder } from '../pipeline/pipeline-fixture.js';

const HERE = import.meta.dirname;

interface ClientVectors {
  dtype: string;
  shape: number[];
  values: number[][];
}

interface ClientError {
  status: number;
  body: { error: string; error_type: string };
}

/** What huggingface_client_check.py prints. */
interface ClientResult {
  base_single: ClientVectors;
  base_batch: ClientVectors;
  base_unnormalized: ClientVectors;
  embed_single: ClientVectors;
  per_call_model: ClientVectors;
  similarity_route: number[];
  similarity_base: number[];
  error_empty: ClientError | null;
  error_too_long: ClientError | null;
  error_no_sentences: ClientError | null;
}

describe('huggingface_hub.InferenceClient against the embedder', () => {
  let venv: PythonVenv;
  let embedder: ChildService;
  let hfHome: string;
  let result: ClientResult;
  const post = async (path: string, body: object) =>
    (await fetch(`${embedder.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then((r) => r.json())) as unknown;

  beforeAll(async () => {
    const cacheDir = inject('cacheDir');
    venv = await ensurePythonVenv({
      paths: resolveCachePaths(cacheDir ? { cacheDir } : {}),
      reporter: consoleReporter(process.stderr, 'meshrag(test setup)'),
      name: 'huggingface-hub-client',
      requirementsFile: join(HERE, 'huggingface-hub-requirements.txt'),
    });
    embedder = await startEmbedder(inject('modelDir') ?? findModelDir());
    // No token or hub settings of this machine's user leak into the client.
    hfHome = await mkdtemp(join(tmpdir(), 'meshrag-hf-home-'));
    const { stdout } = await promisify(execFile)(
      venv.python,
      [join(HERE, 'huggingface_client_check.py'), embedder.url],
      {
        env: { PATH: process.env.PATH ?? '', HF_HOME: hfHome, HF_HUB_DISABLE_TELEMETRY: '1' },
        timeout: 120_000,
      },
    );
    result = JSON.parse(stdout) as ClientResult;
  });
  afterAll(async () => {
    await embedder?.stop();
    if (hfHome) await rm(hfHome, { recursive: true, force: true });
  });

  it("gets float32 vectors from the base URL (TEI's POST /) equal to /embed, one input and a batch", async () => {
    const reference = (await post('/embed', {
      inputs: ['A man is eating food.', 'A monkey is playing drums.'],
    })) as number[][];
    expect(result.base_single.dtype).toBe('float32');
    expect(result.base_single.shape).toEqual([1, 384]);
    expect(
      cosine(result.base_single.values[0] as number[], reference[0] as number[]),
    ).toBeGreaterThan(0.99999);
    expect(result.base_batch.shape).toEqual([2, 384]);
    result.base_batch.values.forEach((vector, i) => {
      expect(cosine(vector, reference[i] as number[])).toBeGreaterThan(0.99999);
    });
    expect(
      cosine(result.per_call_model.values[0] as number[], reference[0] as number[]),
    ).toBeGreaterThan(0.99999);
  });

  it('gets the same vectors with /embed as the model URL, and passes normalize through', async () => {
    expect(result.embed_single.shape).toEqual([1, 384]);
    expect(
      cosine(result.embed_single.values[0] as number[], result.base_single.values[0] as number[]),
    ).toBeGreaterThan(0.99999);
    const raw = result.base_unnormalized.values[0] as number[];
    expect(Math.abs(norm(raw) - 1)).toBeGreaterThan(0.01);
    expect(cosine(raw, result.base_single.values[0] as number[])).toBeGreaterThan(0.99999);
  });

  it('gets sentence similarities from /similarity and from the base URL, equal to the cosine of /embed vectors', async () => {
    const [source, bread, drums] = (await post('/embed', {
      inputs: [
        'A man is eating food.',
        'A man is eating a piece of bread.',
        'A monkey is playing drums.',
      ],
    })) as [number[], number[], number[]];
    for (const scores of [result.similarity_route, result.similarity_base]) {
      expect(scores).toHaveLength(2);
      expect(scores[0]).toBeCloseTo(cosine(source, bread), 5);
      expect(scores[1]).toBeCloseTo(cosine(source, drums), 5);
    }
    expect(result.similarity_route[0]).toBeGreaterThan(result.similarity_route[1] as number);
  });

  it('fails with the HTTP error and TEI envelope the client raises on', () => {
    expect(result.error_empty).toEqual({
      status: 400,
      body: { error: 'input 0 is an empty string', error_type: 'empty' },
    });
    expect(result.error_too_long?.status).toBe(413);
    expect(result.error_too_long?.body.error_type).toBe('validation');
    expect(result.error_no_sentences).toEqual({
      status: 400,
      body: { error: '`inputs.sentences` cannot be empty', error_type: 'empty' },
    });
  });
});
