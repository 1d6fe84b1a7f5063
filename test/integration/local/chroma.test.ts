import { randomUUID } from 'node:crypto';
import { ChromaClient } from 'chromadb';
import { describe, expect, inject, it } from 'vitest';

const DIMENSIONS = 384;

/** A deterministic unit vector per index, far apart from the others. */
function vector(index: number): number[] {
  const values = Array.from({ length: DIMENSIONS }, (_, d) => Math.sin((index + 1) * (d + 1)));
  const norm = Math.hypot(...values);
  return values.map((v) => v / norm);
}

describe('local Chroma server', () => {
  const url = new URL(inject('chromaUrl'));
  const client = new ChromaClient({ host: url.hostname, port: Number(url.port), ssl: false });

  it('answers its heartbeat', async () => {
    expect(await client.heartbeat()).toBeGreaterThan(0);
  });

  it('upserts 384-dim embeddings, counts them and finds the nearest', async () => {
    const collection = await client.createCollection({
      name: `it-${randomUUID()}`,
      embeddingFunction: null,
      configuration: { hnsw: { space: 'cosine' } },
    });
    const ids = Array.from({ length: 50 }, (_, i) => `doc-${Math.floor(i / 5)}#${i % 5}`);
    await collection.upsert({
      ids,
      embeddings: ids.map((_, i) => vector(i)),
      documents: ids.map((id) => `text of ${id}`),
      metadatas: ids.map((id, i) => ({ docId: id.split('#')[0] ?? '', chunkIndex: i % 5 })),
    });
    expect(await collection.count()).toBe(50);

    // Upserting the same ids again replaces, never duplicates.
    await collection.upsert({
      ids: ids.slice(0, 10),
      embeddings: ids.slice(0, 10).map((_, i) => vector(i)),
    });
    expect(await collection.count()).toBe(50);

    const result = await collection.query({ queryEmbeddings: [vector(7)], nResults: 3 });
    expect(result.ids[0]?.[0]).toBe(ids[7]);
    expect(result.distances[0]?.[0]).toBeCloseTo(0, 5);
    expect(result.ids[0]).toHaveLength(3);

    const byDoc = await collection.get({ where: { docId: 'doc-3' } });
    expect(byDoc.ids.sort()).toEqual(['doc-3#0', 'doc-3#1', 'doc-3#2', 'doc-3#3', 'doc-3#4']);
    await client.deleteCollection({ name: collection.name });
  });
});
