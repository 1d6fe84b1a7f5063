/**
 * `npm run bench:pipeline`: end-to-end ingestion throughput (produce → vectors in Chroma) on
 * real services, side by side in one run with the same chunk texts and threads:
 *   1. bare model: the chunk texts embedded by the embedder's default backend (OpenVINO fp32 in
 *      its worker thread), batch 32, tokenizing the next batch while the worker runs the
 *      current one, as the service overlaps them: the ceiling for the whole pipeline;
 *   2. the pipeline: the consumer (`app/consumer/src/main.ts`, a separate process) reading
 *      `documents.parsed`, embedding through the embedder service and upserting into Chroma;
 *   (1 and 2 run in interleaved rounds, so load from other work lands on both alike)
 *   3. the seed's design: one HTTP embed call and one upsert per message, kafkajs eachMessage
 *      with auto-commit, one partition at a time (same chunks, same embedder, same Chroma).
 * Kafka and Chroma are started by the local supervisor on free ports in a temp directory.
 * Writes the "Pipeline" section of docs/benchmarks.md and ends with one summary line.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { createKafka, ensureTopics, javaCompatiblePartitioner } from '../app/common/kafka.js';
import { allLifecycleTopics, LifecycleTopics } from '../app/common/topics.js';
import { Chunker } from '../app/consumer/src/chunking/chunker.js';
import { EmbedClient } from '../app/consumer/src/embedding/embed-client.js';
import {
  chromaClientFor,
  chunkId,
  openCollection,
} from '../app/consumer/src/indexing/chroma-index.js';
import { l2Normalize } from '../app/embedder/src/backend/mean-pooling.js';
import { OnnxBackend } from '../app/embedder/src/backend/onnx-backend.js';
import { availableCpus } from '../app/embedder/src/config.js';
import { EmbeddingTokenizer } from '../app/embedder/src/tokenization/embedding-tokenizer.js';
import { REPO_ROOT, resolveCachePaths } from '../local/cache-paths.js';
import { findFreePorts } from '../local/free-port.js';
import { startLocalServices, stopLocalServices } from '../local/local-services.js';
import { consoleReporter } from '../local/reporter.js';

/** Copies of the sample corpus (each with new ids) to ingest. */
const COPIES = Number(process.env.BENCH_CORPUS_COPIES ?? 4);
/** Interleaved rounds of bare and pipeline; each row shows the median round. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const openvinoLibDir =
  process.env.MESHRAG_EMBEDDER_OPENVINO_LIB_DIR ?? resolveCachePaths().openvinoLibDir;
const log = (message: string) => process.stderr.write(`bench: ${message}\n`);

interface Row {
  readonly scenario: string;
  readonly chunks: number;
  readonly seconds: number;
  readonly note: string;
  /** chunks/min of each round, when the scenario ran in rounds (the row is the median). */
  readonly rounds?: readonly number[];
}
const perMinute = (row: Row) => (row.chunks / row.seconds) * 60;

function spawnNode(entry: string, env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, entry)], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return child;
}

async function waitHealthy(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: process exited ${child.exitCode}`);
    const response = await fetch(`${url}/health`).catch(() => undefined);
    if (response?.ok) return;
    await sleep(100);
  }
  throw new Error(`${url} not healthy in 120 s`);
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** Peak resident set (VmHWM) of a live process, in MiB. */
function peakRssMiB(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

// ---- corpus -------------------------------------------------------------------------------
const sample = (await readFile(join(REPO_ROOT, 'samples/corpus.jsonl'), 'utf8'))
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line) as { id: string; content: string });
const corpus = (round: string) =>
  Array.from({ length: COPIES }, (_, copy) =>
    sample.map((d) => ({ id: `${round}-${copy}-${d.id}`, content: d.content })),
  ).flat();

// ---- services -----------------------------------------------------------------------------
const loadBefore = loadavg()[0] ?? 0;
const runDir = await mkdtemp(join(tmpdir(), 'meshrag-bench-'));
const reporter = consoleReporter(process.stderr, 'bench(services)');
const [kafkaPort = 0, controllerPort = 0, chromaPort = 0, embedderPort = 0, consumerPort = 0] =
  await findFreePorts(5);
const services = await startLocalServices({
  runDir,
  brokers: 1,
  ports: { kafka: kafkaPort, kafkaController: controllerPort, chroma: chromaPort },
  reporter,
});
const modelDir = services.modelDir;
const threads = availableCpus();
// This host's matmul peak (onnxruntime's kernels, same threads), for the roofline; measured
// before the embedder starts, with the model build's venv, which `local fetch` just ensured.
const peak = await (async () => {
  const python = join(resolveCachePaths().modelBuildDir, 'venv', 'bin', 'python');
  const script = join(REPO_ROOT, 'bench', 'matmul-peak.py');
  const { stdout } = await promisify(execFile)(python, [script, '--threads', String(threads)]);
  return JSON.parse(stdout) as { fp32MacsPerSecond: number; int8MacsPerSecond: number };
})();
log(
  `matmul peak: ${(peak.fp32MacsPerSecond / 1e9).toFixed(0)} G fp32, ${(peak.int8MacsPerSecond / 1e9).toFixed(0)} G int8 MAC/s`,
);
const embedderUrl = `http://127.0.0.1:${embedderPort}`;
const embedder = spawnNode('app/embedder/src/main.ts', {
  MESHRAG_EMBEDDER_MODEL_DIR: modelDir,
  MESHRAG_EMBEDDER_PORT: String(embedderPort),
  MESHRAG_EMBEDDER_INTRA_OP_NUM_THREADS: String(threads),
  MESHRAG_EMBEDDER_OPENVINO_LIB_DIR: openvinoLibDir,
  MESHRAG_EMBEDDER_LOG_LEVEL: 'warn',
});
const rows: Row[] = [];
let consumerPeakMiB = 0;
let meanChunkTokens = 0;
let embedderPeakMiB = 0;
try {
  await waitHealthy(embedderUrl, embedder);
  const kafka = createKafka({
    brokers: services.kafkaBrokers,
    clientId: 'bench',
    logLevel: 'ERROR',
  });
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, allLifecycleTopics, { numPartitions: 3 });
  const producer = kafka.producer({ createPartitioner: javaCompatiblePartitioner });
  await producer.connect();
  const chroma = chromaClientFor(services.chromaUrl);
  const chunker = await Chunker.fromModelDir(modelDir);

  const docs = corpus('bare');
  const texts = docs.flatMap((d) => chunker.chunk(d.content).map((c) => c.text));
  const tokens = texts.reduce((n, t) => n + chunker.count(t), 0);
  meanChunkTokens = tokens / texts.length;
  log(
    `${docs.length} documents, ${texts.length} chunks (mean ${(tokens / texts.length).toFixed(1)} tokens), ${threads} onnxruntime threads`,
  );

  // 1. bare: the default backend in its worker, tokenization overlapped with inference
  const tokenizer = await EmbeddingTokenizer.load(
    join(modelDir, 'tokenizer.json'),
    join(modelDir, 'tokenizer_config.json'),
    256,
  );
  const variants = JSON.parse(await readFile(join(modelDir, 'manifest.json'), 'utf8')) as {
    variants: { openvino: { fp32: string } };
  };
  // The embedder's default on CPU: OpenVINO with the fp32 graph (int8 misses the accuracy gate).
  const bareBackend = await OnnxBackend.startOpenVino(
    join(modelDir, variants.variants.openvino.fp32),
    { libDir: openvinoLibDir, precision: 'fp32', intraOpNumThreads: threads },
  );
  const encode = (i: number) =>
    texts.slice(i, i + 32).map((t) => tokenizer.encode(t, { truncate: true }));
  await bareBackend.embed(encode(0));
  const runBare = async (): Promise<Row> => {
    const started = performance.now();
    let running = bareBackend.embed(encode(0));
    for (let i = 32; i < texts.length; i += 32) {
      const next = encode(i); // tokenized while the worker runs the previous batch
      (await running).map(l2Normalize);
      running = bareBackend.embed(next);
    }
    (await running).map(l2Normalize);
    return {
      scenario: 'bare model: default backend (OpenVINO fp32) in its worker, batch 32',
      chunks: texts.length,
      seconds: (performance.now() - started) / 1000,
      note: 'the embedder backend over the same chunk texts, tokenizing the next batch while the worker runs: the ceiling',
    };
  };

  /** Produces a corpus and waits until its chunk count is in the collection. */
  const produceAndWait = async (
    round: string,
    collection: string,
    expected = corpus(round).reduce((n, d) => n + chunker.chunk(d.content).length, 0),
  ): Promise<Row['seconds']> => {
    const roundDocs = corpus(round);
    const started = performance.now();
    for (let i = 0; i < roundDocs.length; i += 500) {
      await producer.send({
        topic: LifecycleTopics.parsed,
        messages: roundDocs.slice(i, i + 500).map((d) => ({ key: d.id, value: JSON.stringify(d) })),
      });
    }
    for (;;) {
      const count = await chroma
        .getCollection({ name: collection })
        .then((c) => c.count())
        .catch(() => 0);
      if (count >= expected) break;
      if (performance.now() - started > 600_000)
        throw new Error(`${round}: ${count}/${expected} after 600 s`);
      await sleep(100);
    }
    return (performance.now() - started) / 1000;
  };
  const isolateGroup = async (groupId: string) => {
    const ends = await admin.fetchTopicOffsets(LifecycleTopics.parsed);
    await admin.setOffsets({
      groupId,
      topic: LifecycleTopics.parsed,
      partitions: ends.map((e) => ({ partition: e.partition, offset: e.high })),
    });
  };

  // 2. the pipeline (the consumer process), in rounds interleaved with the bare path
  {
    const groupId = 'bench-pipeline';
    await isolateGroup(groupId);
    const consumer = spawnNode('app/consumer/src/main.ts', {
      MESHRAG_CONSUMER_KAFKA_BROKERS: services.kafkaBrokers.join(','),
      MESHRAG_CONSUMER_EMBEDDER_URL: embedderUrl,
      MESHRAG_CONSUMER_CHROMA_URL: services.chromaUrl,
      MESHRAG_CONSUMER_MODEL_DIR: modelDir,
      MESHRAG_CONSUMER_GROUP_ID: groupId,
      MESHRAG_CONSUMER_COLLECTION: 'bench-pipeline',
      MESHRAG_CONSUMER_HTTP_PORT: String(consumerPort),
      MESHRAG_CONSUMER_LOG_LEVEL: 'warn',
    });
    await waitHealthy(`http://127.0.0.1:${consumerPort}`, consumer);
    const bareRounds: Row[] = [];
    const pipelineRounds: Row[] = [];
    let ingested = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      bareRounds.push(await runBare());
      log(`round ${round} bare: ${perMinute(bareRounds.at(-1) as Row).toFixed(0)} chunks/min`);
      ingested += texts.length;
      const seconds = await produceAndWait(`pipeline${round}`, 'bench-pipeline', ingested);
      pipelineRounds.push({
        scenario: 'pipeline: consumer → embedder → Chroma',
        chunks: texts.length,
        seconds,
        note: 'produce → all vectors in Chroma; groups of 128 chunks across records, 32 per embed request, 3 partitions, commit after upsert',
      });
      log(
        `round ${round} pipeline: ${perMinute(pipelineRounds.at(-1) as Row).toFixed(0)} chunks/min`,
      );
    }
    consumerPeakMiB = peakRssMiB(consumer.pid);
    await stop(consumer);
    await bareBackend.close();
    const median = (rs: Row[]) =>
      [...rs].sort((a, b) => perMinute(a) - perMinute(b))[Math.floor(rs.length / 2)] as Row;
    rows.push(
      { ...median(bareRounds), rounds: bareRounds.map(perMinute) },
      { ...median(pipelineRounds), rounds: pipelineRounds.map(perMinute) },
    );
  }

  // 3. the seed's design, in-process: eachMessage, one embed call and one upsert per message
  {
    const groupId = 'bench-naive';
    await isolateGroup(groupId);
    const collection = await openCollection(chroma, 'bench-naive');
    const client = new EmbedClient({ url: embedderUrl, connections: 1 });
    const consumer = kafka.consumer({ groupId });
    await consumer.connect();
    await consumer.subscribe({ topic: LifecycleTopics.parsed });
    await consumer.run({
      autoCommit: true,
      eachMessage: async ({ message }) => {
        const doc = JSON.parse(String(message.value)) as { id: string; content: string };
        const chunks = chunker.chunk(doc.content);
        const vectors = await client.embed(chunks.map((c) => c.text));
        await collection.upsert({
          ids: chunks.map((c) => chunkId(doc.id, c.index)),
          embeddings: vectors,
          documents: chunks.map((c) => c.text),
          metadatas: chunks.map((c) => ({ docId: doc.id, chunkIndex: c.index })),
        });
      },
    });
    await sleep(3_000); // let it join the group before the clock starts
    const seconds = await produceAndWait('naive', 'bench-naive');
    await consumer.disconnect();
    await client.close();
    rows.push({
      scenario: 'seed design: embed call + upsert per message, auto-commit',
      chunks: texts.length,
      seconds,
      note: 'kafkajs eachMessage, one partition at a time, same chunks, same embedder',
    });
    log(`naive: ${perMinute(rows.at(-1) as Row).toFixed(0)} chunks/min`);
  }
  embedderPeakMiB = peakRssMiB(embedder.pid);
  await producer.disconnect();
  await admin.disconnect();
} finally {
  await stop(embedder);
  await stopLocalServices({ runDir, reporter });
  await rm(runDir, { recursive: true, force: true });
}

// ---- report -------------------------------------------------------------------------------
const [bare, pipeline, naive] = rows as [Row, Row, Row];
const chunksPerMin = perMinute(pipeline);
const ratioVsBare = chunksPerMin / perMinute(bare);
const ratioVsNaive = chunksPerMin / perMinute(naive);
const maxRssMb = Math.round(consumerPeakMiB + embedderPeakMiB);
// Roofline: multiply-adds per chunk of all-MiniLM-L6-v2 (6 layers; per token 4 x 384² for
// Q, K, V and the output projection plus 2 x 384 x 1536 for the FFN; attention adds 2 x n x 384
// per token), against this host's matmul peak measured above, and against the machine issue 12
// was written on (Xeon with AVX-512 VNNI: 768 G int8, 181 G fp32 MAC/s on 2 vCPUs).
const REFERENCE_INT8_MACS = 768e9;
const n = meanChunkTokens + 2; // [CLS] and [SEP]
const macsPerChunk = 6 * (n * (4 * 384 * 384 + 2 * 384 * 1536) + 2 * n * n * 384);
const bareMacs = (perMinute(bare) / 60) * macsPerChunk;
const pipelineMacs = (chunksPerMin / 60) * macsPerChunk;
const needed = (10_000 / 60) * macsPerChunk;
const giga = (macs: number) => `${(macs / 1e9).toFixed(0)} G`;
const percent = (part: number, whole: number) => `${((100 * part) / whole).toFixed(0)}%`;
const roofline = [
  '### Roofline',
  '',
  `- MACs per chunk: ${(macsPerChunk / 1e9).toFixed(3)} G (mean ${n.toFixed(1)} tokens with [CLS]/[SEP])`,
  `- matmul peak of this host, ${threads} threads (\`bench/matmul-peak.py\`: onnxruntime's kernels, 1024³ products, median of 5 interleaved rounds): ${giga(peak.fp32MacsPerSecond)} fp32 MAC/s, ${giga(peak.int8MacsPerSecond)} int8 MAC/s (u8 x s8)`,
  `- 10,000 chunks/min needs ${giga(needed)} MAC/s: ${percent(needed, peak.fp32MacsPerSecond)} of this host's fp32 peak, ${percent(needed, peak.int8MacsPerSecond)} of its int8 peak (issue 12's reference machine: ${percent(needed, REFERENCE_INT8_MACS)} of its 768 G int8 peak)`,
  `- bare model path (OpenVINO fp32, the default): ${giga(bareMacs)} MAC/s = ${percent(bareMacs, peak.fp32MacsPerSecond)} of the fp32 peak`,
  `- pipeline: ${giga(pipelineMacs)} MAC/s = ${percent(pipelineMacs, peak.fp32MacsPerSecond)} of the fp32 peak, with Kafka, Chroma and the consumer on the same cores`,
  needed > peak.int8MacsPerSecond
    ? '- 10,000 chunks/min is beyond even the int8 peak of this host: no model path can reach it here; it needs a CPU with VNNI or AMX (or the GPU path)'
    : '- 10,000 chunks/min is within the int8 peak of this host: it waits for an int8 variant that passes the accuracy gate and runs int8 kernels (docs/model-build.md)',
  '',
];
const summary = `pipeline chunks_per_min=${chunksPerMin.toFixed(0)} ratio_vs_bare=${ratioVsBare.toFixed(3)} ratio_vs_naive=${ratioVsNaive.toFixed(3)} max_rss_mb=${maxRssMb}`;
const section = [
  '## Pipeline',
  '',
  'Command: `npm run bench:pipeline` (`node --import tsx bench/pipeline.bench.ts`;',
  '`BENCH_CORPUS_COPIES` sets how many copies of `samples/corpus.jsonl` are ingested, default 4).',
  `Run ${new Date().toISOString().slice(0, 16)}Z on ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} CPUs shared`,
  `with other work, Node ${process.version}, ${threads} threads everywhere, all-MiniLM-L6-v2 on the default backend (OpenVINO, fp32 graph),`,
  `${pipeline.chunks} chunks of at most 128 tokens. Real Kafka 4.3.1 (1 broker, 3 partitions),`,
  `Chroma 1.0 and the embedder service as separate processes. Bare and pipeline in ${ROUNDS} interleaved rounds (median shown); the seed design once.`,
  `1-minute load average ${loadBefore.toFixed(2)} before the run, ${(loadavg()[0] ?? 0).toFixed(2)} after.`,
  '',
  '| scenario | chunks | seconds | chunks/min | rounds | note |',
  '| --- | ---: | ---: | ---: | --- | --- |',
  ...rows.map(
    (r) =>
      `| ${r.scenario} | ${r.chunks} | ${r.seconds.toFixed(1)} | ${perMinute(r).toFixed(0)} | ${(r.rounds ?? []).map((x) => x.toFixed(0)).join(' / ')} | ${r.note} |`,
  ),
  '',
  `- ratio_vs_bare = ${ratioVsBare.toFixed(3)} (target >= 0.9)`,
  `- ratio_vs_naive = ${ratioVsNaive.toFixed(3)} (target >= 5)`,
  `- chunks_per_min = ${chunksPerMin.toFixed(0)} (target >= 10,000)`,
  `- max_rss_mb = ${maxRssMb}: peak RSS of the consumer (${consumerPeakMiB.toFixed(0)} MiB) plus the embedder (${embedderPeakMiB.toFixed(0)} MiB)`,
  '',
  'What bounds it: the model. The bare row is the default backend alone on the same chunk texts',
  'with both cores, tokenization overlapped as in the service; the pipeline cannot beat it, and',
  'the consumer, Kafka and Chroma share those two cores with it. See the roofline section for',
  'how close the model path is to what these cores can do.',
  '',
  ...roofline,
  summary,
  '',
].join('\n');
const docsPath = join(REPO_ROOT, 'docs/benchmarks.md');
const existing = await readFile(docsPath, 'utf8').catch(() => '# Benchmarks\n');
const start = existing.indexOf('## Pipeline');
let next: string;
if (start === -1) {
  next = `${existing.trimEnd()}\n\n${section}`;
} else {
  const after = existing.indexOf('\n## ', start + 1);
  next = `${existing.slice(0, start)}${section}${after === -1 ? '' : `\n${existing.slice(after + 1)}`}`;
}
await writeFile(docsPath, next);
process.stdout.write(`${summary}\n`);
