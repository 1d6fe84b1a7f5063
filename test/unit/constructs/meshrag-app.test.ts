import { App } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { MeshragStack } from '../../../constructs/meshrag-app.js';
import { getStack } from '../../../stacks/stack-registry.js';

describe('MeshragStack', () => {
  it('declares exactly the grants of the access model', () => {
    const stack = new MeshragStack(new App(), 'dev', { config: getStack('dev') });
    const consumer = 'cluster.local/ns/meshrag/sa/consumer';
    const prometheus = 'cluster.local/ns/monitoring/sa/prometheus';

    expect(stack.grants).toHaveLength(9);
    expect(stack.grants).toContainEqual({
      kind: 'http',
      grantee: consumer,
      target: { namespace: 'meshrag', workload: 'embedder', port: 8080 },
      methods: ['POST'],
      paths: ['/embed', '/v1/embeddings'],
    });
    expect(stack.grants).toContainEqual({
      kind: 'http',
      grantee: consumer,
      target: { namespace: 'meshrag', workload: 'chroma', port: 8000 },
      methods: ['GET', 'POST', 'PUT', 'DELETE'],
      paths: ['/api/v2/*'],
    });
    expect(stack.grants).toContainEqual({
      kind: 'kafka',
      grantee: consumer,
      kafkaUser: 'consumer',
      cluster: 'meshrag',
      topic: 'documents.parsed',
      operations: ['Describe', 'Read'],
      group: 'meshrag-ingest',
    });
    const produced = stack.grants.flatMap((g) =>
      g.kind === 'kafka' && g.operations.includes('Write') ? [g.topic] : [],
    );
    expect(produced.sort()).toEqual([
      'chunks.embedded',
      'documents.dlq',
      'documents.failed',
      'vectors.indexed',
    ]);
    const scraped = stack.grants.flatMap((g) =>
      g.kind === 'http' && g.grantee === prometheus ? [g.target.workload] : [],
    );
    expect(scraped.sort()).toEqual(['consumer', 'embedder']);
    expect(
      stack.grants.some(
        (g) => g.grantee.endsWith('/sa/embedder') || g.grantee.endsWith('/sa/chroma'),
      ),
    ).toBe(false);
  });

  it('wires the consumer to the embedder, Chroma and Kafka it renders', () => {
    const stack = new MeshragStack(new App(), 'prod', { config: getStack('prod') });
    expect(stack.embedder.url).toBe('http://embedder.meshrag.svc:8080');
    expect(stack.chroma.url).toBe('http://chroma.meshrag.svc:8000');
    expect(stack.kafka.bootstrapServers).toBe('meshrag-kafka-bootstrap.kafka.svc:9093');
    expect(stack.consumer.replicas).toBeLessThanOrEqual(stack.topics.parsed.partitions);
  });

  it('enforces Pod Security restricted in the app namespace (Istio CNI: no NET_ADMIN), not in Kafka’s', () => {
    const stack = new MeshragStack(new App(), 'dev', { config: getStack('dev') });
    const labels = (name: string) =>
      // biome-ignore lint/suspicious/noExplicitAny: rendered JSON
      (stack.toJson() as any[]).find((o) => o.kind === 'Namespace' && o.metadata.name === name)
        .metadata.labels;
    expect(labels('meshrag')['pod-security.kubernetes.io/enforce']).toBe('restricted');
    expect(labels('kafka')['pod-security.kubernetes.io/enforce']).toBeUndefined();
  });
});
