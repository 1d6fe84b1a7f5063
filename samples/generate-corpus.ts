/**
 * Writes `samples/corpus.jsonl`: 120 short technical notes, generated deterministically from
 * the facts below, which were written for this repository (no third-party text; Apache-2.0 like
 * the rest of the repo). Run `npx tsx samples/generate-corpus.ts` to regenerate.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SUBJECTS: Record<string, readonly string[]> = {
  kafka: [
    'Kafka stores records in partitioned, append-only logs; a record key decides its partition, so all records of one key stay in order.',
    'A consumer group shares the partitions of a topic among its members; each partition is read by exactly one member at a time.',
    'Offsets mark how far a group has read; committing an offset only after the work is done gives at-least-once delivery.',
    'KRaft replaces ZooKeeper: controllers keep the cluster metadata in a Raft quorum, and brokers fetch it from them.',
    'Replication factor three with min.insync.replicas two lets a topic survive one broker loss without losing acknowledged writes.',
  ],
  chroma: [
    'Chroma keeps embeddings with their documents and metadata in collections, and answers nearest-neighbour queries over them.',
    'An HNSW index finds approximate nearest neighbours quickly by walking a layered graph of vectors.',
    'Upserting with deterministic ids makes a write idempotent: writing the same chunk twice leaves one record.',
    'Metadata filters such as docId equals X and chunkIndex at least N select the records a query or delete applies to.',
    'Cosine distance between normalised vectors is one minus their dot product; smaller means more similar.',
  ],
  embeddings: [
    'A sentence embedding model maps text to a fixed-size vector so that similar meanings land close together.',
    'all-MiniLM-L6-v2 produces 384-dimensional vectors by mean pooling the token states of a six-layer transformer.',
    'Batching many inputs into one model run amortises the fixed cost of each run and keeps the CPU cores busy.',
    'Quantising weights to int8 makes inference faster and the model smaller at a small cost in accuracy.',
    'Long documents are cut into overlapping chunks that fit the model input, so no passage is lost at a boundary.',
  ],
  mesh: [
    'A service mesh puts a proxy beside each workload, which encrypts traffic with mutual TLS and checks who may call whom.',
    'Strict peer authentication rejects plain-text connections, so every call carries a verified workload identity.',
    'Authorization policies allow a caller by its service account principal, and can narrow access to methods and paths.',
    'Network policies add a second fence at the IP level, so a bypassed proxy still cannot open forbidden connections.',
    'Brokers stay outside the mesh because per-broker addresses defeat sidecar TLS; Kafka uses its own TLS listener and ACLs.',
  ],
  operations: [
    'A dead-letter topic keeps records that cannot be processed, with the error in headers, so they can be inspected and replayed.',
    'Backpressure tells a producer to slow down; pausing a partition for a while is better than retrying in a tight loop.',
    'Graceful shutdown finishes the work in flight, commits it, and leaves the consumer group so partitions move at once.',
    'Prometheus scrapes counters and histograms; consumer lag shows how far processing is behind the newest records.',
    'Retries with exponential backoff and jitter spread load over time and never retry errors that cannot succeed.',
  ],
  kubernetes: [
    'A Deployment keeps a number of identical pods running and replaces them gradually when their template changes.',
    'Running containers as a non-root user with a read-only root file system narrows what a compromised process can do.',
    'Resource requests place pods on nodes with room for them; limits cap what a pod may use once it runs.',
    'A Service gives pods a stable name and address; named ports such as http-api tell the mesh which protocol they speak.',
    'Operators watch custom resources and reconcile the cluster towards them, as Strimzi does for Kafka clusters and topics.',
  ],
};

const ANGLES = [
  'In practice,',
  'For the local pipeline,',
  'When something goes wrong,',
  'On a small machine,',
  'In production,',
  'For a newcomer,',
  'Seen from the consumer,',
  'Measured end to end,',
];

/** A small deterministic PRNG (mulberry32), so the corpus is the same on every machine. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const next = random(20261123);
const subjects = Object.keys(SUBJECTS);
const lines: string[] = [];
for (let i = 0; i < 120; i++) {
  const subject = subjects[i % subjects.length] as string;
  const facts = SUBJECTS[subject] as readonly string[];
  const sentences: string[] = [];
  const length = 2 + Math.floor(next() * 14);
  for (let s = 0; s < length; s++) {
    const fact = facts[Math.floor(next() * facts.length)] as string;
    const angle = ANGLES[Math.floor(next() * ANGLES.length)] as string;
    sentences.push(s % 3 === 0 ? `${angle} ${fact.charAt(0).toLowerCase()}${fact.slice(1)}` : fact);
  }
  lines.push(
    JSON.stringify({
      id: `${subject}-${String(i).padStart(3, '0')}`,
      content: `Note ${i} on ${subject}. ${sentences.join(' ')}`,
      source: `samples/corpus.jsonl#${i + 1}`,
      metadata: { subject, sentences: length },
    }),
  );
}
const out = join(dirname(fileURLToPath(import.meta.url)), 'corpus.jsonl');
writeFileSync(out, `${lines.join('\n')}\n`);
process.stderr.write(`wrote ${lines.length} documents to ${out}\n`);
