import { App } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { MeshragStack } from '../../../constructs/meshrag-app.js';
import type { MeshragStackConfig } from '../../../constructs/meshrag-stack-config.js';
import { renderStack } from '../../../constructs/render/render-stack.js';
import { getStack } from '../../../stacks/stack-registry.js';
import { validateManifest } from '../../helpers/manifest-schemas.js';

const DB = '/api/v2/tenants/default_tenant/databases/default_database';
const withOnboarding = (patch: Partial<MeshragStackConfig>): MeshragStackConfig => ({
  ...getStack('staging'),
  ...patch,
});
const producer = { name: 'parser', namespace: 'ingest', serviceAccount: 'parser' };
const reader = { name: 'rag', namespace: 'apps', serviceAccount: 'rag' };

describe('MeshragStack', { timeout: 30_000 }, () => {
  it('declares exactly the grants of the access model', () => {
    const stack = new MeshragStack(new App(), 'dev', { config: getStack('dev') });
    const consumer = 'cluster.local/ns/meshrag/sa/consumer';
    const prometheus = 'cluster.local/ns/monitoring/sa/prometheus';

    const own = stack.grants.filter(
      (g) => !g.grantee.includes('/ns/ingest-demo/') && !g.grantee.includes('/ns/rag-demo/'),
    );
    expect(own).toHaveLength(12);
    expect(own).toContainEqual({
      kind: 'tcp',
      grantee: prometheus,
      target: { namespace: 'kafka', workload: 'meshrag-kafka-exporter', port: 9404 },
    });
    expect(stack.grants).toContainEqual({
      kind: 'http',
      grantee: consumer,
      target: { namespace: 'meshrag', workload: 'embedder', port: 8080 },
      operations: [{ methods: ['POST'], paths: ['/embed'] }],
    });
    expect(stack.grants).toContainEqual({
      kind: 'http',
      grantee: consumer,
      target: { namespace: 'meshrag', workload: 'chroma', port: 8000 },
      operations: [
        { methods: ['GET'], paths: ['/api/v2/pre-flight-checks'] },
        { methods: ['POST'], paths: [`${DB}/collections`] },
        {
          methods: ['POST'],
          paths: [
            `${DB}/collections/{*}/get`,
            `${DB}/collections/{*}/upsert`,
            `${DB}/collections/{*}/delete`,
          ],
        },
      ],
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
    const produced = own.flatMap((g) =>
      g.kind === 'kafka' && g.operations.includes('Write') ? [g.topic] : [],
    );
    expect(produced.sort()).toEqual([
      'chunks.embedded',
      'documents.dlq',
      'documents.failed',
      'vectors.indexed',
    ]);
    const scraped = stack.grants.flatMap((g) =>
      g.kind !== 'kafka' && g.grantee === prometheus ? [g.target.workload] : [],
    );
    expect(scraped.sort()).toEqual([
      'consumer',
      'embedder',
      'meshrag-broker',
      'meshrag-controller',
      'meshrag-kafka-exporter',
    ]);
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

  it('onboards a producer: a tls KafkaUser with Write/Describe on documents.parsed only, and the listener peer', () => {
    const { objects, grants } = renderStack(withOnboarding({ producers: [producer] }));
    const principal = 'cluster.local/ns/ingest/sa/parser';
    expect(grants.filter((g) => g.grantee === principal)).toEqual([
      {
        kind: 'kafka',
        grantee: principal,
        kafkaUser: 'parser',
        cluster: 'meshrag',
        topic: 'documents.parsed',
        operations: ['Describe', 'Write'],
      },
    ]);
    const user = objects.find((o) => o.kind === 'KafkaUser' && o.metadata.name === 'parser');
    expect(user?.metadata).toMatchObject({
      namespace: 'meshrag',
      labels: { 'strimzi.io/cluster': 'meshrag' },
      annotations: { 'meshrag.io/mesh-principal': principal },
    });
    expect(user?.spec).toEqual({
      authentication: { type: 'tls' },
      authorization: {
        type: 'simple',
        acls: [
          {
            resource: { type: 'topic', name: 'documents.parsed', patternType: 'literal' },
            operations: ['Describe', 'Write'],
            host: '*',
          },
        ],
      },
    });
    const peer = {
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingest' } },
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'parser' } },
    };
    const kafka = objects.find((o) => o.kind === 'Kafka') as unknown as {
      spec: { kafka: { listeners: { networkPolicyPeers: unknown[] }[] } };
    };
    expect(kafka.spec.kafka.listeners[0]?.networkPolicyPeers).toContainEqual(peer);
    const ingress = objects.find(
      (o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'meshrag-kafka-from-parser-9093',
    ) as unknown as { metadata: { namespace: string }; spec: { ingress: unknown[] } };
    expect(ingress.metadata.namespace).toBe('kafka');
    expect(ingress.spec.ingress).toEqual([
      { from: [peer], ports: [{ protocol: 'TCP', port: 9093 }] },
    ]);
    // Nothing is emitted in the producer's own namespace: meshrag does not own it.
    expect(objects.filter((o) => o.metadata.namespace === 'ingest')).toEqual([]);
    for (const o of objects) expect(validateManifest(o)).toEqual([]);
  });

  it('onboards a reader: invoke on the embedder and read-only Chroma, egress opened in its namespace', () => {
    const { objects, grants } = renderStack(
      withOnboarding({ namespaces: { app: 'apps', kafka: 'kafka' }, readers: [reader] }),
    );
    const principal = 'cluster.local/ns/apps/sa/rag';
    const granted = grants.filter((g) => g.grantee === principal);
    expect(granted).toHaveLength(2);
    expect(granted).toEqual(
      expect.arrayContaining([
        {
          kind: 'http',
          grantee: principal,
          target: { namespace: 'apps', workload: 'embedder', port: 8080 },
          operations: [{ methods: ['POST'], paths: ['/embed'] }],
        },
        {
          kind: 'http',
          grantee: principal,
          target: { namespace: 'apps', workload: 'chroma', port: 8000 },
          operations: [
            { methods: ['GET'], paths: [`${DB}/collections/meshrag`] },
            {
              methods: ['POST'],
              paths: [`${DB}/collections/{*}/query`, `${DB}/collections/{*}/get`],
            },
          ],
        },
      ]),
    );
    const policy = objects.find(
      (o) => o.kind === 'AuthorizationPolicy' && o.metadata.name === 'chroma-query-rag',
    ) as unknown as { spec: unknown };
    expect(policy.spec).toEqual({
      action: 'ALLOW',
      selector: { matchLabels: { 'app.kubernetes.io/name': 'chroma' } },
      rules: [
        {
          from: [{ source: { principals: [principal] } }],
          to: [
            {
              operation: {
                ports: ['8000'],
                methods: ['GET'],
                paths: [`${DB}/collections/meshrag`],
              },
            },
            {
              operation: {
                ports: ['8000'],
                methods: ['POST'],
                paths: [`${DB}/collections/{*}/query`, `${DB}/collections/{*}/get`],
              },
            },
          ],
        },
      ],
    });
    // In meshrag's own namespace egress is denied by default, so the grants open it.
    const names = objects.filter((o) => o.kind === 'NetworkPolicy').map((o) => o.metadata.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'rag-to-embedder-8080',
        'rag-to-chroma-8000',
        'chroma-from-rag-8000',
      ]),
    );
    expect(objects.some((o) => o.kind === 'KafkaUser' && o.metadata.name === 'rag')).toBe(false);
  });

  it("fails when two onboarded services share a name, or take a meshrag workload's", () => {
    expect(() =>
      renderStack(
        withOnboarding({ producers: [producer], readers: [{ ...reader, name: 'parser' }] }),
      ),
    ).toThrow(/reader 'parser': duplicate name \(also a producer\)/);
    expect(() =>
      renderStack(withOnboarding({ readers: [{ ...reader, name: 'consumer' }] })),
    ).toThrow(/reader 'consumer': the name is taken by a meshrag workload/);
    expect(() =>
      renderStack(withOnboarding({ producers: [producer, { ...producer, name: 'parser-2' }] })),
    ).toThrow(/ServiceAccount ingest\/parser is already onboarded as producer 'parser'/);
  });

  it('fails when two services of one namespace have pod labels that select each other', () => {
    const team = { team: 'ingest' };
    expect(() =>
      renderStack(
        withOnboarding({
          producers: [{ ...producer, podLabels: team }],
          readers: [{ ...reader, namespace: 'ingest', podLabels: { ...team, app: 'rag' } }],
        }),
      ),
    ).toThrow(
      /reader 'rag': its pod labels .* and those of producer 'parser' .* in namespace ingest select each other's pods/,
    );
    // Own labels (the default app.kubernetes.io/name: <name>) are fine.
    expect(() =>
      renderStack(
        withOnboarding({ producers: [producer], readers: [{ ...reader, namespace: 'ingest' }] }),
      ),
    ).not.toThrow();
  });

  it('fails when a producer or reader runs in a namespace without sidecar injection', () => {
    expect(() =>
      renderStack(withOnboarding({ producers: [{ ...producer, namespace: 'kafka' }] })),
    ).toThrow(/parser: namespace 'kafka' has no Istio sidecar injection/);
    expect(() =>
      renderStack(withOnboarding({ readers: [{ ...reader, namespace: 'kafka' }] })),
    ).toThrow(/rag: namespace 'kafka' has no Istio sidecar injection/);
  });

  it('fails when a reader asks for a write', () => {
    expect(() =>
      renderStack(
        withOnboarding({ readers: [{ ...reader, chromaOperations: ['query', 'upsert'] }] }),
      ),
    ).toThrow(/asks for 'upsert'; a query grant is read-only/);
  });
});
