/**
 * `meshrag query "<text>" [-k N] [--tenant <t>] [--json]`: embeds the text with the embedder and
 * prints the nearest chunks in Chroma with their document, tenant, chunk, cosine distance and a
 * snippet. `--tenant` keeps to one tenant's chunks (records without a tenant are `default`).
 */

import type { Where } from 'chromadb';
import type { Command } from 'commander';
import { EmbedClient } from '../../app/consumer/src/embedding/embed-client.js';
import { chromaClientFor, DEFAULT_TENANT } from '../../app/consumer/src/indexing/chroma-index.js';
import { action } from '../command-action.js';
import { type PipelineConnection, withPipelineOptions } from '../pipeline-options.js';

export interface QueryHit {
  readonly rank: number;
  readonly id: string;
  readonly docId: string;
  readonly tenant: string;
  readonly chunkIndex: number;
  readonly distance: number;
  readonly text: string;
}

export interface QueryOptions {
  /** Only this tenant's chunks. @default - every tenant's */
  readonly tenant?: string;
}

/** The top `k` chunks for a text. */
export async function queryChunks(
  connection: Pick<PipelineConnection, 'chromaUrl' | 'embedderUrl' | 'collection'>,
  text: string,
  k: number,
  options: QueryOptions = {},
): Promise<QueryHit[]> {
  const embedder = new EmbedClient({ url: connection.embedderUrl });
  try {
    const [vector] = await embedder.embed([text]);
    const collection = await chromaClientFor(connection.chromaUrl).getCollection({
      name: connection.collection,
    });
    const result = await collection.query({
      queryEmbeddings: [vector as number[]],
      nResults: k,
      include: ['documents', 'metadatas', 'distances'],
      ...(options.tenant === undefined ? {} : { where: tenantFilter(options.tenant) }),
    });
    const ids = result.ids[0] ?? [];
    return ids.map((id, i) => ({
      rank: i + 1,
      id,
      docId: String(result.metadatas[0]?.[i]?.docId ?? id.slice(0, id.lastIndexOf('#'))),
      tenant: String(result.metadatas[0]?.[i]?.tenant ?? DEFAULT_TENANT),
      chunkIndex: Number(result.metadatas[0]?.[i]?.chunkIndex ?? -1),
      distance: Number(result.distances[0]?.[i] ?? Number.NaN),
      text: result.documents[0]?.[i] ?? '',
    }));
  } finally {
    await embedder.close();
  }
}

/** Chroma `where` for one tenant's chunks (the consumer records `tenant` on every chunk). */
export function tenantFilter(tenant: string): Where {
  return { tenant: { $eq: tenant } };
}

export function formatHits(hits: readonly QueryHit[], snippetChars = 100): string {
  if (hits.length === 0) return 'no hits (is anything indexed? try `meshrag stats`)';
  return hits
    .map((h) => {
      const snippet = h.text.replace(/\s+/g, ' ').slice(0, snippetChars);
      const tenant = h.tenant === DEFAULT_TENANT ? '' : ` (tenant ${h.tenant})`;
      return `${String(h.rank).padStart(2)}. ${h.docId}${tenant} #${h.chunkIndex}  distance ${h.distance.toFixed(4)}\n    ${snippet}${h.text.length > snippetChars ? '…' : ''}`;
    })
    .join('\n');
}

export function registerQueryCommand(program: Command): void {
  withPipelineOptions(
    program
      .command('query')
      .description('embed a text and print the nearest indexed chunks')
      .argument('<text>', 'what to look for')
      .option('-k, --top <n>', 'how many hits', '5')
      .option('--tenant <tenant>', "only this tenant's chunks (records without one are 'default')")
      .option('--json', 'print JSON', false),
  ).action(
    action(
      async (
        text: string,
        options: PipelineConnection & { top: string; json: boolean; tenant?: string },
      ) => {
        const k = Number(options.top);
        if (!Number.isInteger(k) || k < 1 || k > 1000)
          throw new Error(`-k must be 1..1000, got ${options.top}`);
        const hits = await queryChunks(
          options,
          text,
          k,
          options.tenant === undefined ? {} : { tenant: options.tenant },
        );
        process.stdout.write(
          `${options.json ? JSON.stringify(hits, null, 2) : formatHits(hits)}\n`,
        );
      },
    ),
  );
}
