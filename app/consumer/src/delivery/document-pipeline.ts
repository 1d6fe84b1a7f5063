/**
 * What happens to the records of one partition batch, free of kafkajs so it can be tested
 * with fakes: decode, chunk, gather chunks across records into groups, embed each group in a
 * few large requests, write it to Chroma, produce lifecycle events and dead letters, and only
 * then report the group's last offset as committable. Records keep their partition order.
 *
 * Failures:
 * - an invalid envelope goes to the DLQ at once (it can never pass);
 * - an embed request that fails after its attempts fails only its own documents: each is
 *   embedded again alone, the rest of the group is written with the vectors it has; any other
 *   failure of a group splits it into its documents, each tried alone. Either way one poison
 *   document cannot hold back the healthy ones beside it; a document that still fails after
 *   its attempts goes to the DLQ with a `documents.failed` event;
 * - backpressure (embedder 429/503, a dependency down) stops the batch where it is, with
 *   earlier groups committed: the delivery loop pauses the partition and the rest is fetched
 *   again after resuming.
 */
import { createHash } from 'node:crypto';
import pMap from 'p-map';
import type { Logger } from 'pino';
import {
  contentHash,
  DEFAULT_MAX_CONTENT_BYTES,
  type DocumentEnvelope,
  decodeEnvelope,
} from '../../../common/envelope.js';
import type { Chunk, Chunker } from '../chunking/chunker.js';
import type { ConsumerMetrics, RecordOutcome } from '../consumer-metrics.js';
import type { IEmbedder } from '../embedding/embed-client.js';
import {
  ChunkingError,
  type DependencyUnavailableError,
  type EmbedderBusyError,
  isBackpressure,
  isMembershipLost,
  ProduceError,
} from '../errors.js';
import {
  chunkId,
  DEFAULT_TENANT,
  type IVectorIndex,
  type VectorRecord,
} from '../indexing/chroma-index.js';
import { type RetryOptions, retry } from '../retry.js';
import {
  deadLetter,
  describeFailure,
  embeddedEvent,
  failedEvent,
  type InputRecord,
  indexedEvent,
  type OutgoingMessage,
} from './lifecycle-messages.js';

/** Where produced messages go; the delivery loop backs it with a kafkajs producer. */
export interface IMessageSink {
  send(messages: readonly OutgoingMessage[]): Promise<void>;
}

export interface DocumentPipelineOptions {
  /** Collection name, reported in `vectors.indexed`. */
  readonly collection: string;
  /** @default DEFAULT_MAX_CONTENT_BYTES (1 MiB, `RecordSizeBudget.maxContentBytes`) */
  readonly maxContentBytes?: number;
  /**
   * Chunks gathered across records before a group is embedded and written.
   * @default 128
   */
  readonly maxGroupChunks?: number;
  /** @default 32 */
  readonly embedRequestChunks?: number;
  /** @default 2 */
  readonly embedConcurrency?: number;
  /**
   * Attempts for writing to Chroma and producing events (the embed client retries its own).
   * @default 3
   */
  readonly maxAttempts?: number;
  /** Backoff between attempts. @default - 100 ms doubling to 5 s */
  readonly retry?: RetryOptions;
}

export interface DocumentPipelineDeps {
  readonly chunker: Chunker;
  readonly embedder: IEmbedder;
  readonly index: IVectorIndex;
  readonly sink: IMessageSink;
  readonly logger: Logger;
  readonly metrics?: ConsumerMetrics;
}

export interface BatchHooks {
  /** Records up to and including `offset` are done: resolve and commit `offset + 1`. */
  commit(offset: string): Promise<void>;
  /** Keep the group membership alive during long work. */
  heartbeat(): Promise<void>;
  /** False once the consumer is stopping: finish the current group, then return. */
  isRunning(): boolean;
}

export interface BatchResult {
  /** Records handled and committed (indexed, unchanged, dead-lettered...). */
  readonly committed: number;
  /** Set when the batch stopped early because a dependency asked to slow down. */
  readonly backpressure?: EmbedderBusyError | DependencyUnavailableError;
}

type Prepared =
  | { readonly kind: 'invalid'; readonly record: InputRecord; readonly error: unknown }
  | {
      readonly kind: 'document';
      readonly record: InputRecord;
      readonly envelope: DocumentEnvelope;
      /** `envelope.tenant`, or the default tenant when the record names none. */
      readonly tenant: string;
      readonly chunks: readonly Chunk[];
      readonly contentHash: string;
      readonly fingerprint: string;
    };
type PreparedDocument = Extract<Prepared, { kind: 'document' }>;

interface GroupResult {
  readonly messages: OutgoingMessage[];
  readonly outcomes: Map<InputRecord, RecordOutcome>;
}

export class DocumentPipeline {
  private readonly maxContentBytes: number;
  private readonly maxGroupChunks: number;
  private readonly embedRequestChunks: number;
  private readonly embedConcurrency: number;
  private readonly retryOptions: RetryOptions;

  constructor(
    private readonly deps: DocumentPipelineDeps,
    private readonly options: DocumentPipelineOptions,
  ) {
    this.maxContentBytes = options.maxContentBytes ?? DEFAULT_MAX_CONTENT_BYTES;
    this.maxGroupChunks = options.maxGroupChunks ?? 128;
    this.embedRequestChunks = options.embedRequestChunks ?? 32;
    this.embedConcurrency = options.embedConcurrency ?? 2;
    this.retryOptions = { ...options.retry, maxAttempts: options.maxAttempts ?? 3 };
  }

  /** Processes one partition's records in order; see the module comment. */
  async processBatch(records: readonly InputRecord[], hooks: BatchHooks): Promise<BatchResult> {
    let committed = 0;
    let group: Prepared[] = [];
    let groupChunks = 0;
    const flush = async (): Promise<void> => {
      if (group.length === 0) return;
      const result = await this.processGroup(group, hooks);
      await this.sendWithRetry(result.messages);
      await hooks.commit((group[group.length - 1] as Prepared).record.offset);
      for (const outcome of result.outcomes.values()) this.deps.metrics?.records.inc({ outcome });
      committed += group.length;
      group = [];
      groupChunks = 0;
      await this.heartbeat(hooks);
    };
    try {
      for (const record of records) {
        if (!hooks.isRunning()) break;
        const prepared = await this.prepare(record);
        const chunks = prepared.kind === 'document' ? prepared.chunks.length : 0;
        if (groupChunks > 0 && groupChunks + chunks > this.maxGroupChunks) await flush();
        if (!hooks.isRunning()) break;
        group.push(prepared);
        groupChunks += chunks;
      }
      if (hooks.isRunning() || group.length > 0) await flush();
    } catch (error) {
      if (isBackpressure(error)) return { committed, backpressure: error };
      throw error;
    }
    return { committed };
  }

  /**
   * Decodes and chunks one record; an invalid one is kept, to be dead-lettered in order. Chunking
   * yields to the event loop and has a budget (see Chunker), so a hostile record ends here as
   * `too-complex` instead of holding the partition.
   */
  private async prepare(record: InputRecord): Promise<Prepared> {
    try {
      const envelope = decodeEnvelope(record.value, { maxContentBytes: this.maxContentBytes });
      const chunks = await this.deps.chunker.chunkAsync(envelope.content);
      if (chunks.length === 0) {
        // Not "unchanged": an empty chunk list would delete the document's earlier chunks.
        throw new ChunkingError(
          'no-tokens',
          `document "${envelope.id}" has no text the model can read (only control or zero-width characters)`,
        );
      }
      const hash = contentHash(envelope.content);
      const fingerprint = createHash('sha256')
        .update(
          JSON.stringify([
            hash,
            envelope.source ?? null,
            envelope.tenant ?? null,
            envelope.metadata,
            this.deps.chunker.chunkTokens,
            this.deps.chunker.overlapTokens,
          ]),
        )
        .digest('hex');
      return {
        kind: 'document',
        record,
        envelope,
        tenant: envelope.tenant ?? DEFAULT_TENANT,
        chunks,
        contentHash: hash,
        fingerprint,
      };
    } catch (error) {
      return { kind: 'invalid', record, error };
    }
  }

  private async processGroup(group: readonly Prepared[], hooks: BatchHooks): Promise<GroupResult> {
    const messages: OutgoingMessage[] = [];
    const outcomes = new Map<InputRecord, RecordOutcome>();
    // Within a group the last record of a document wins; earlier ones are superseded.
    const latest = new Map<string, PreparedDocument>();
    for (const item of group) {
      if (item.kind === 'document') latest.set(documentKey(item), item);
    }
    const documents = [...latest.values()];
    this.deps.metrics?.groupChunks.observe(documents.reduce((n, d) => n + d.chunks.length, 0));

    let results: Map<PreparedDocument, IndexResult>;
    try {
      results = await this.indexDocuments(documents, hooks);
    } catch (error) {
      if (isBackpressure(error) || isMembershipLost(error) || documents.length <= 1) {
        if (isBackpressure(error) || isMembershipLost(error)) throw error;
        results = new Map(documents.map((d) => [d, { failed: error }]));
      } else {
        this.deps.logger.warn(
          { err: error, documents: documents.length },
          'group failed; retrying its documents one by one',
        );
        results = new Map();
        for (const document of documents) {
          try {
            const single = await this.indexDocuments([document], hooks);
            results.set(document, single.get(document) as IndexResult);
          } catch (singleError) {
            if (isBackpressure(singleError) || isMembershipLost(singleError)) throw singleError;
            results.set(document, { failed: singleError });
          }
        }
      }
    }

    for (const item of group) {
      if (item.kind === 'invalid') {
        const failure = describeFailure(item.error, 1);
        this.logFor(item.record).warn(
          { reason: failure.reason },
          `invalid record: ${failure.message}`,
        );
        messages.push(
          deadLetter(item.record, failure),
          failedEvent(item.record, undefined, failure),
        );
        this.deps.metrics?.deadLetters.inc({ reason: failure.reason });
        outcomes.set(item.record, 'invalid');
        continue;
      }
      if (latest.get(documentKey(item)) !== item) {
        outcomes.set(item.record, 'superseded');
        continue;
      }
      const result = results.get(item) as IndexResult;
      if ('failed' in result) {
        const failure = describeFailure(result.failed, this.retryOptions.maxAttempts ?? 3);
        this.logFor(item.record).error(
          { err: result.failed, docId: item.envelope.id, reason: failure.reason },
          'document failed; sending it to the DLQ',
        );
        messages.push(
          deadLetter(item.record, failure),
          failedEvent(item.record, item.envelope.id, failure),
        );
        this.deps.metrics?.deadLetters.inc({ reason: failure.reason });
        outcomes.set(item.record, 'dead_lettered');
        continue;
      }
      const docId = item.envelope.id;
      if (!result.unchanged) {
        messages.push(
          embeddedEvent({
            docId,
            chunks: item.chunks.length,
            tokens: item.chunks.reduce((n, c) => n + c.tokenCount, 0),
            contentHash: item.contentHash,
          }),
        );
      }
      messages.push(
        indexedEvent({
          docId,
          chunks: item.chunks.length,
          collection: this.options.collection,
          unchanged: result.unchanged,
        }),
      );
      outcomes.set(item.record, result.unchanged ? 'unchanged' : 'indexed');
    }
    return { messages, outcomes };
  }

  /**
   * Embeds and writes documents whose stored fingerprint differs, then deletes stale chunks
   * of every document. A document counts as stored when its LAST chunk carries its
   * fingerprint: upserts go in order, so the last chunk written means all were.
   *
   * An embed request that fails for good (after the client's attempts) fails only the
   * documents with chunks in it: each of those is embedded again on its own, and the rest of
   * the group is written with the vectors it already has. Before, one poison document made the
   * whole group fail and every document in it was embedded and written again one at a time
   * (measured: healthy throughput fell to 36% with 4 poison records in 300).
   */
  private async indexDocuments(
    documents: readonly PreparedDocument[],
    hooks: BatchHooks,
  ): Promise<Map<PreparedDocument, IndexResult>> {
    const results = new Map<PreparedDocument, IndexResult>();
    if (documents.length === 0) return results;
    const lastIds = documents
      .filter((d) => d.chunks.length > 0)
      .map((d) => chunkId(d.envelope.id, d.chunks.length - 1, d.tenant));
    const stored = await retry(() => this.deps.index.fingerprints(lastIds), this.retryOptions);
    const changed = documents.filter(
      (d) =>
        d.chunks.length > 0 &&
        stored.get(chunkId(d.envelope.id, d.chunks.length - 1, d.tenant)) !== d.fingerprint,
    );
    const texts = changed.flatMap((d) => d.chunks.map((c) => c.text));
    const vectors = await this.embedAll(texts, hooks);
    // a document's vectors, or undefined while one of its chunks was in a failed request
    let next = 0;
    const outcomes: (number[][] | EmbedFailure | undefined)[] = changed.map((document) => {
      const own = vectors.slice(next, next + document.chunks.length);
      next += document.chunks.length;
      return own.every((v) => Array.isArray(v)) ? (own as number[][]) : undefined;
    });
    const suspects = outcomes.flatMap((outcome, i) => (outcome === undefined ? [i] : []));
    // Each document of a failed request is embedded again on its own, to tell the poison from
    // its neighbours. All at once, up to a request's worth of documents: one after the other
    // they held the partition for a round trip each, queued behind other partitions' batches
    // (measured: healthy throughput 82% of a clean run with 4 poison records in 1,000).
    await pMap(
      suspects,
      async (i) => {
        const alone = await this.embedAll(
          (changed[i] as PreparedDocument).chunks.map((c) => c.text),
          hooks,
        );
        outcomes[i] =
          alone.find((v): v is EmbedFailure => v instanceof EmbedFailure) ?? (alone as number[][]);
      },
      { concurrency: this.embedRequestChunks },
    );
    const embeddings = new Map<PreparedDocument, number[][]>();
    const failed = new Map<PreparedDocument, unknown>();
    changed.forEach((document, i) => {
      const outcome = outcomes[i];
      if (outcome instanceof EmbedFailure) failed.set(document, outcome.error);
      else embeddings.set(document, outcome as number[][]);
    });
    const indexedAt = new Date().toISOString();
    const records: VectorRecord[] = [];
    for (const [document, documentVectors] of embeddings) {
      const { envelope } = document;
      let own = 0;
      for (const chunk of document.chunks) {
        records.push({
          docId: envelope.id,
          tenant: document.tenant,
          chunkIndex: chunk.index,
          text: chunk.text,
          embedding: documentVectors[own++] as number[],
          metadata: {
            ...prefixed(envelope.metadata),
            docId: envelope.id,
            chunkIndex: chunk.index,
            chunkCount: document.chunks.length,
            tokenCount: chunk.tokenCount,
            source: envelope.source ?? '',
            tenant: document.tenant,
            contentHash: document.contentHash,
            fingerprint: document.fingerprint,
            indexedAt,
          },
        });
      }
    }
    const started = performance.now();
    if (records.length > 0) await retry(() => this.deps.index.upsert(records), this.retryOptions);
    // a failed document keeps its earlier chunks: nothing of the new version was written
    const written = documents.filter((d) => !failed.has(d));
    if (written.length > 0)
      await retry(
        () =>
          this.deps.index.deleteStale(
            written.map((d) => ({
              docId: d.envelope.id,
              tenant: d.tenant,
              chunkCount: d.chunks.length,
            })),
          ),
        this.retryOptions,
      );
    this.deps.metrics?.upsertSeconds.observe((performance.now() - started) / 1000);
    this.deps.metrics?.chunks.inc(records.length);
    const changedSet = new Set(changed);
    for (const document of documents) {
      const error = failed.get(document);
      results.set(
        document,
        failed.has(document) ? { failed: error } : { unchanged: !changedSet.has(document) },
      );
    }
    return results;
  }

  /**
   * Embeds texts in requests of `embedRequestChunks`, `embedConcurrency` at a time, in order.
   * A request that fails for good gives an `EmbedFailure` for each of its texts; backpressure
   * and a lost membership are thrown (they say nothing about the texts).
   */
  private async embedAll(
    texts: readonly string[],
    hooks: BatchHooks,
  ): Promise<(number[] | EmbedFailure)[]> {
    const requests: string[][] = [];
    for (let i = 0; i < texts.length; i += this.embedRequestChunks) {
      requests.push(texts.slice(i, i + this.embedRequestChunks));
    }
    const answers = await pMap(
      requests,
      async (inputs) => {
        const started = performance.now();
        let answer: (number[] | EmbedFailure)[];
        try {
          answer = await this.deps.embedder.embed(inputs);
        } catch (error) {
          if (isBackpressure(error) || isMembershipLost(error)) throw error;
          answer = inputs.map(() => new EmbedFailure(error));
        }
        this.deps.metrics?.embedSeconds.observe((performance.now() - started) / 1000);
        // A group can take longer than the session timeout; kafkajs sends a heartbeat only
        // when its interval has passed, so calling this often is cheap.
        await this.heartbeat(hooks);
        return answer;
      },
      { concurrency: this.embedConcurrency },
    );
    return answers.flat();
  }

  /**
   * A heartbeat says nothing about the documents: a lost membership stops the batch (kafkajs
   * rejoins), and any other failure (the coordinator's broker down, a timeout) is logged and
   * processing goes on. Failing the group instead dead-lettered valid documents when the broker
   * coordinating the group died; whether this member still owns the partition is settled by
   * the commit, which fails on a lost membership.
   */
  private async heartbeat(hooks: BatchHooks): Promise<void> {
    try {
      await hooks.heartbeat();
    } catch (error) {
      if (isMembershipLost(error)) throw error;
      this.deps.logger.warn({ err: error }, 'heartbeat failed; going on (the commit decides)');
    }
  }

  private async sendWithRetry(messages: readonly OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await retry(async () => {
      try {
        await this.deps.sink.send(messages);
      } catch (cause) {
        throw new ProduceError(
          `producing ${messages.length} messages failed: ${(cause as Error).message}`,
          {
            retriable: true,
            cause,
          },
        );
      }
    }, this.retryOptions);
  }

  private logFor(record: InputRecord): Logger {
    return this.deps.logger.child({
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
    });
  }
}

type IndexResult = { readonly unchanged: boolean } | { readonly failed: unknown };

/** In place of a vector: the request carrying this text failed for good. */
class EmbedFailure {
  constructor(readonly error: unknown) {}
}

/** Documents are the same document only within one tenant. */
function documentKey(document: PreparedDocument): string {
  return JSON.stringify([document.tenant, document.envelope.id]);
}

/** Envelope metadata is stored under `meta.` so it cannot clash with the indexer's own keys. */
function prefixed(
  metadata: Readonly<Record<string, string | number | boolean>>,
): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(metadata)) out[`meta.${key}`] = value;
  return out;
}
