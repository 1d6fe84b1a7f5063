/**
 * `meshrag query "<text>" [-k N] [--json]`: embeds the text with the embedder and prints the
 * nearest chunks in Chroma with their document, chunk, cosine distance and a snippet.
 */
import type { Command } from 'commander';
import { EmbedClient } from '../../app/consumer/src/embedding/embed-client.js';
import { chromaClientFor } from '../../app/consumer/src/indexing/chroma-index.js';
import { action } from '../command-action.js';
import { type PipelineConnection, withPipelineOptions } from '../pipeline-options.js';

export interface QueryHit {
  readonly rank: number;
  readonly id: string;
  readonly docId: string;
  readonly chunkIndex: number;
  readonly distance: number;
  readonly text: string;
}

/** The top `k` chunks for a text. */
export async function queryChunks(
  connection: Pick<PipelineConnection, 'chromaUrl' | 'embedderUrl' | 'collection'>,
  text: string,
  k: number,
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
    });
    const ids = result.ids[0] ?? [];
    return ids.map((id, i) => ({
      rank: i + 1,
      id,
      docId: String(result.metadatas[0]?.[i]?.docId ?? id.slice(0, id.lastIndexOf('#'))),
      chunkIndex: Number(result.metadatas[0]?.[i]?.chunkIndex ?? -1),
      distance: Number(result.distances[0]?.[i] ?? Number.NaN),
      text: result.documents[0]?.[i] ?? '',
    }));
  } finally {
    await embedder.close();
  }
}

export function formatHits(hits: readonly QueryHit[], snippetChars = 100): string {
  if (hits.length === 0) return 'no hits (is anything indexed? try `meshrag stats`)';
  return hits
    .map((h) => {
      const snippet = h.text.replace(/\s+/g, ' ').slice(0, snippetChars);
      return `${String(h.rank).padStart(2)}. ${h.docId} #${h.chunkIndex}  distance ${h.distance.toFixed(4)}\n    ${snippet}${h.text.length > snippetChars ? '…' : ''}`;
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
      .option('--json', 'print JSON', false),
  ).action(
    action(async (text: string, options: PipelineConnection & { top: string; json: boolean }) => {
      const k = Number(options.top);
      if (!Number.isInteger(k) || k < 1 || k > 1000)
        throw new Error(`-k must be 1..1000, got ${options.top}`);
      const hits = await queryChunks(options, text, k);
      process.stdout.write(`${options.json ? JSON.stringify(hits, null, 2) : formatHits(hits)}\n`);
    }),
  );
}
