/**
 * Writes chunk vectors to a Chroma collection with deterministic ids (`<docId>#<chunkIndex>`,
 * scoped by tenant: see `chunkId`), so writing a document twice lands on the same records. Upserts are cut to the server's
 * maximum batch size (bound by SQLite parameters, chroma#3812). A re-ingested document that
 * now has fewer chunks loses the ones past its new count.
 */
import {
  ChromaClient,
  ChromaClientError,
  ChromaConnectionError,
  ChromaForbiddenError,
  ChromaUnauthorizedError,
  ChromaValueError,
  type Collection,
  InvalidArgumentError,
  type Metadata,
  type Where,
} from 'chromadb';
import { DependencyUnavailableError, IndexWriteError } from '../errors.js';

/** The tenant of records that name none (the seed's `{id, content}` shape). */
export const DEFAULT_TENANT = 'default';

/** One chunk's vector and what is stored with it. */
export interface VectorRecord {
  readonly docId: string;
  /** @default DEFAULT_TENANT */
  readonly tenant?: string;
  readonly chunkIndex: number;
  readonly text: string;
  readonly embedding: number[];
  readonly metadata: Metadata;
}

/** The chunk count a document has now; chunks at or past it are stale. */
export interface DocumentExtent {
  readonly docId: string;
  /** @default DEFAULT_TENANT */
  readonly tenant?: string;
  readonly chunkCount: number;
}

/** What the pipeline needs from a vector store; tests pass an in-memory fake. */
export interface IVectorIndex {
  /** Fingerprints stored on the given chunk ids (missing ids are absent from the map). */
  fingerprints(ids: readonly string[]): Promise<Map<string, string>>;
  upsert(records: readonly VectorRecord[]): Promise<void>;
  /** Deletes, for each document of each tenant, its chunks with `chunkIndex >= chunkCount`. */
  deleteStale(extents: readonly DocumentExtent[]): Promise<void>;
}

/**
 * The id of a chunk's record: `<docId>#<chunkIndex>` in the default tenant (the ids the seed
 * wrote stay valid), `<docId>#<chunkIndex>@<tenant, URI-encoded>` in any other. Two tenants
 * sending the same document id therefore never overwrite each other. The mapping is one to
 * one: a default-tenant id ends in `#<digits>`; any other ends in `@<encoded tenant>`, and an
 * encoded tenant holds no `@` or `#`, so the last `@` splits it unambiguously.
 */
export function chunkId(docId: string, chunkIndex: number, tenant = DEFAULT_TENANT): string {
  const id = `${docId}#${chunkIndex}`;
  return tenant === DEFAULT_TENANT ? id : `${id}@${encodeURIComponent(tenant)}`;
}

export interface ChromaIndexOptions {
  /** Base URL, e.g. `http://127.0.0.1:8000`. */
  readonly url: string;
  /** @default 'meshrag' */
  readonly collection?: string;
  /**
   * Upper bound on one upsert, further capped by the server's `getMaxBatchSize()`.
   * @default 1000
   */
  readonly upsertBatchSize?: number;
  /**
   * Documents per stale-chunk delete (one `$or` filter each).
   * @default 100
   */
  readonly deleteBatchDocuments?: number;
}

export class ChromaIndex implements IVectorIndex {
  /** Connects, creates the collection if needed (cosine space, no embedding function). */
  static async open(options: ChromaIndexOptions): Promise<ChromaIndex> {
    const client = chromaClientFor(options.url);
    try {
      const collection = await openCollection(client, options.collection ?? 'meshrag');
      const serverMax = await client.getMaxBatchSize();
      const batchSize = Math.max(1, Math.min(serverMax, options.upsertBatchSize ?? 1_000));
      return new ChromaIndex(client, collection, batchSize, options.deleteBatchDocuments ?? 100);
    } catch (cause) {
      throw asIndexError('opening collection', cause);
    }
  }

  private constructor(
    private readonly client: ChromaClient,
    readonly collection: Collection,
    /** Records per upsert call. */
    readonly batchSize: number,
    private readonly deleteBatchDocuments: number,
  ) {}

  /** Does Chroma answer its heartbeat? A cheap probe while it is down (no collection access). */
  async healthy(): Promise<boolean> {
    try {
      await this.client.heartbeat();
      return true;
    } catch {
      return false;
    }
  }

  async fingerprints(ids: readonly string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (let i = 0; i < ids.length; i += this.batchSize) {
      const slice = ids.slice(i, i + this.batchSize);
      try {
        const result = await this.collection.get({ ids: slice, include: ['metadatas'] });
        result.ids.forEach((id, n) => {
          const fingerprint = result.metadatas[n]?.fingerprint;
          if (typeof fingerprint === 'string') found.set(id, fingerprint);
        });
      } catch (cause) {
        throw asIndexError('reading fingerprints', cause);
      }
    }
    return found;
  }

  async upsert(records: readonly VectorRecord[]): Promise<void> {
    // One call at a time, in order: a crash part-way leaves a prefix of the records written,
    // which the fingerprint check of the next delivery relies on (see DocumentPipeline).
    for (let i = 0; i < records.length; i += this.batchSize) {
      const slice = records.slice(i, i + this.batchSize);
      try {
        await this.collection.upsert({
          ids: slice.map((r) => chunkId(r.docId, r.chunkIndex, r.tenant)),
          embeddings: slice.map((r) => r.embedding),
          documents: slice.map((r) => r.text),
          metadatas: slice.map((r) => r.metadata),
        });
      } catch (cause) {
        throw asIndexError(`upserting ${slice.length} records`, cause);
      }
    }
  }

  async deleteStale(extents: readonly DocumentExtent[]): Promise<void> {
    for (let i = 0; i < extents.length; i += this.deleteBatchDocuments) {
      const clauses = extents.slice(i, i + this.deleteBatchDocuments).map(
        (extent): Where => ({
          $and: [
            { docId: { $eq: extent.docId } },
            { tenant: { $eq: extent.tenant ?? DEFAULT_TENANT } },
            { chunkIndex: { $gte: extent.chunkCount } },
          ] as Where[],
        }),
      );
      const where: Where = clauses.length === 1 ? (clauses[0] as Where) : { $or: clauses };
      try {
        await this.collection.delete({ where });
      } catch (cause) {
        throw asIndexError('deleting stale chunks', cause);
      }
    }
  }
}

/** A Chroma client for a base URL. */
export function chromaClientFor(url: string): ChromaClient {
  const parsed = new URL(url);
  const ssl = parsed.protocol === 'https:';
  return new ChromaClient({
    host: parsed.hostname,
    port: parsed.port === '' ? (ssl ? 443 : 80) : Number(parsed.port),
    ssl,
  });
}

/** Opens (creating if needed) the collection the consumer writes: cosine space, vectors given. */
export async function openCollection(client: ChromaClient, name: string): Promise<Collection> {
  return client.getOrCreateCollection({
    name,
    embeddingFunction: null,
    configuration: { hnsw: { space: 'cosine' } },
    metadata: { writer: 'meshrag-consumer' },
  });
}

/** Request errors (bad input, auth) will fail again; everything else (network, 5xx) may pass. */
function asIndexError(what: string, cause: unknown): IndexWriteError | DependencyUnavailableError {
  if (cause instanceof ChromaConnectionError) {
    return new DependencyUnavailableError('chroma', `chroma: ${what}: ${cause.message}`, { cause });
  }
  const permanent =
    cause instanceof ChromaClientError ||
    cause instanceof ChromaValueError ||
    cause instanceof InvalidArgumentError ||
    cause instanceof ChromaUnauthorizedError ||
    cause instanceof ChromaForbiddenError;
  return new IndexWriteError(`chroma: ${what} failed: ${(cause as Error)?.message ?? cause}`, {
    retriable: !permanent,
    cause,
  });
}
