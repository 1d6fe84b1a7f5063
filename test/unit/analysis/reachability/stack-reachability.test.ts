/**
 * For every stack: the edges the analysis finds in the rendered manifests (round-tripped
 * through the same YAML `meshrag render` writes) equal the stack's declared grants, nothing
 * more and nothing less. Then deliberately broken manifests, to show these tests can fail.
 */
import { describe, expect, it } from 'vitest';
import { analyzeReachability } from '../../../../analysis/reachability/analyze-reachability.js';
import { diffEdges } from '../../../../analysis/reachability/diff-edges.js';
import { expectedEdgesFromGrants } from '../../../../analysis/reachability/expected-edges-from-grants.js';
import {
  type ManifestObject,
  parseManifestYaml,
} from '../../../../analysis/reachability/manifest-object.js';
import { edgeKey } from '../../../../analysis/reachability/reachability-edge.js';
import type { GrantRecord } from '../../../../constructs/grants/grant-record.js';
import { renderStack } from '../../../../constructs/render/render-stack.js';
import { toYaml } from '../../../../constructs/render/to-yaml.js';
import { getStack, stackNames } from '../../../../stacks/stack-registry.js';

function rendered(stack: string): { manifests: ManifestObject[]; grants: readonly GrantRecord[] } {
  const { objects, grants } = renderStack(getStack(stack));
  return { manifests: parseManifestYaml(toYaml(objects)), grants };
}

function diffFor(
  manifests: readonly ManifestObject[],
  grants: readonly GrantRecord[],
): { missing: string[]; extra: string[] } {
  const report = analyzeReachability(manifests);
  const diff = diffEdges(report.edges, expectedEdgesFromGrants(grants, report.model));
  return { missing: diff.missing.map(edgeKey), extra: diff.extra.map(edgeKey) };
}

/** A deep copy, so a test can break the manifests without touching another test's. */
const copy = (objects: readonly ManifestObject[]): ManifestObject[] =>
  structuredClone(objects) as ManifestObject[];

const find = (
  objects: readonly ManifestObject[],
  kind: string,
  name: string,
  namespace?: string,
): ManifestObject => {
  const found = objects.find(
    (o) =>
      o.kind === kind &&
      o.metadata.name === name &&
      (namespace === undefined || o.metadata.namespace === namespace),
  );
  if (found === undefined)
    throw new Error(`no ${kind} ${namespace ?? '*'}/${name} in the rendered stack`);
  return found;
};

const firstOfKind = (objects: readonly ManifestObject[], kind: string): ManifestObject => {
  const found = objects.find((o) => o.kind === kind);
  if (found === undefined) throw new Error(`no ${kind} in the rendered stack`);
  return found;
};

const kafkaListeners = (objects: readonly ManifestObject[]): Record<string, unknown>[] =>
  (firstOfKind(objects, 'Kafka').spec as { kafka: { listeners: Record<string, unknown>[] } }).kafka
    .listeners;

describe.each(stackNames)('stack %s', (stack) => {
  const { manifests, grants } = rendered(stack);
  const report = analyzeReachability(manifests);
  const keys = report.edges.map(edgeKey);
  const workload = (name: string) => {
    const found = report.model.workloads.find((w) => w.name === name);
    if (found === undefined) throw new Error(`no workload ${name}`);
    return found;
  };
  const consumer = workload('consumer');
  const embedder = workload('embedder');
  const chroma = workload('chroma');
  const embedderPort = embedder.ports.find((p) => p.protocol === 'http')?.port;

  it('has edges exactly equal to the declared grants', () => {
    expect(grants.length).toBeGreaterThan(0);
    expect(diffFor(manifests, grants)).toEqual({ missing: [], extra: [] });
  });

  it('reads every rendered object without notes of uncertainty', () => {
    expect(report.notes).toEqual([]);
  });

  it('lets the consumer POST /embed and nothing else on the embedder', () => {
    const to = `${consumer.principal} -> ${embedder.namespace}/embedder:${embedderPort} http`;
    expect(keys.filter((k) => k.startsWith(to))).toEqual([`${to} POST /embed`]);
  });

  it('lets the consumer call only the Chroma requests it sends: no collection, database or tenant admin', () => {
    const to = `${consumer.principal} -> ${chroma.namespace}/chroma:`;
    const db = '/api/v2/tenants/default_tenant/databases/default_database';
    expect(keys.filter((k) => k.startsWith(to)).map((k) => k.split(' http ')[1])).toEqual(
      [
        'GET /api/v2/pre-flight-checks',
        `POST ${db}/collections`,
        `POST ${db}/collections/{*}/delete`,
        `POST ${db}/collections/{*}/get`,
        `POST ${db}/collections/{*}/upsert`,
      ].sort(),
    );
  });

  const config = getStack(stack);
  const principalOf = (s: { namespace: string; serviceAccount: string }) =>
    `cluster.local/ns/${s.namespace}/sa/${s.serviceAccount}`;

  it.each(config.readers ?? [])(
    'lets reader $name embed and read Chroma, but not reach Kafka or write to Chroma',
    (reader) => {
      const from = keys.filter((k) => k.startsWith(`${principalOf(reader)} `));
      expect(from.length).toBeGreaterThan(0);
      expect(from.filter((k) => k.includes(' -> kafka'))).toEqual([]);
      const chromaEdges = from.filter((k) => k.includes('/chroma:'));
      expect(chromaEdges.length).toBeGreaterThan(0);
      for (const k of chromaEdges)
        expect(k).toMatch(
          / http (GET \S+\/collections\/[^/]+|POST \S+\/collections\/\{\*\}\/(query|get))$/,
        );
      for (const k of from.filter((e) => e.includes('/embedder:')))
        expect(k).toMatch(/ http POST \/embed$/);
      expect(from.every((k) => k.includes('/chroma:') || k.includes('/embedder:'))).toBe(true);
    },
  );

  it.each(config.producers ?? [])(
    'lets producer $name write documents.parsed over the TLS listener, and nothing else',
    (producer) => {
      const from = keys.filter((k) => k.startsWith(`${principalOf(producer)} `));
      const kafka = from.filter((k) => k.includes(' -> kafka:'));
      expect(kafka.map((k) => k.split(' ').slice(-2).join(' ')).sort()).toEqual([
        'topic:documents.parsed Describe',
        'topic:documents.parsed Write',
      ]);
      const rest = from.filter((k) => !k.includes(' -> kafka:'));
      expect(rest.length).toBeGreaterThan(0);
      for (const k of rest) expect(k).toMatch(/ -> kafka\/meshrag-broker:9093 tcp$/);
    },
  );

  it('lets the embedder reach nothing: neither Chroma nor Kafka', () => {
    expect(keys.filter((k) => k.startsWith(`${embedder.principal} `))).toEqual([]);
  });

  it('lets Chroma reach nothing', () => {
    expect(keys.filter((k) => k.startsWith(`${chroma.principal} `))).toEqual([]);
  });

  it('models the Entity Operator: it reaches the brokers on replication only, an edge internal to Kafka', () => {
    const operator = workload('meshrag-entity-operator');
    const from = report.internalEdges
      .map(edgeKey)
      .filter((k) => k.startsWith(`${operator.principal} `));
    expect(from.length).toBeGreaterThan(0);
    for (const k of from) expect(k).toMatch(/ -> kafka\/meshrag-(broker|controller):9091 tcp$/);
    expect(keys.filter((k) => k.startsWith(`${operator.principal} `))).toEqual([]);
  });

  it('lets nothing unnamed reach anything', () => {
    expect(keys.filter((k) => k.startsWith('unknown'))).toEqual([]);
  });

  it('lets monitoring GET /metrics on meshed workloads and reach Strimzi metrics ports (exporter, every node pool), nothing else', () => {
    const monitoring = grants
      .filter((g) => g.kind === 'http' && g.operations.some((o) => o.paths.includes('/metrics')))
      .map((g) => g.grantee);
    expect(monitoring.length).toBeGreaterThan(0);
    const fromMonitoring = report.edges.filter(
      (e) => e.source.kind === 'identity' && monitoring.includes(e.source.principal),
    );
    expect(fromMonitoring.length).toBeGreaterThan(0);
    for (const edge of fromMonitoring) {
      if (edge.kind !== 'tcp')
        expect(edge).toMatchObject({ kind: 'http', method: 'GET', path: '/metrics' });
    }
    expect(
      fromMonitoring.flatMap((e) =>
        e.kind === 'tcp' ? [`${e.target.workload}:${e.target.port}`] : [],
      ),
    ).toEqual(['meshrag-broker:9404', 'meshrag-controller:9404', 'meshrag-kafka-exporter:9404']);
    // Only the granted scraper: no other source reaches a Strimzi metrics port.
    expect(keys.filter((k) => k.includes(':9404 ') && !k.startsWith(`${monitoring[0]} `))).toEqual(
      [],
    );
  });

  it('gives the consumer its Kafka topics through its KafkaUser, and a connection to the TLS listener', () => {
    expect(
      keys.some(
        (k) =>
          k.startsWith(`${consumer.principal} -> kafka:`) &&
          k.endsWith('topic:documents.parsed Read'),
      ),
    ).toBe(true);
    expect(
      keys.some(
        (k) =>
          k.startsWith(`${consumer.principal} -> kafka:`) &&
          k.includes('topic:documents.parsed Write'),
      ),
    ).toBe(false);
    expect(keys.some((k) => k.startsWith(`${consumer.principal} -> `) && / tcp$/.test(k))).toBe(
      true,
    );
  });
});

describe('fails when an onboarded service is widened (dev)', () => {
  const { manifests, grants } = rendered('dev');

  it("fails when a reader's Chroma policy is widened to every path: the writes show up as extra", () => {
    const broken = copy(manifests);
    const policy = find(broken, 'AuthorizationPolicy', 'chroma-query-example-rag', 'meshrag');
    const rules = (policy.spec as { rules: { to: { operation: { paths: string[] } }[] }[] }).rules;
    for (const to of rules[0]?.to ?? []) to.operation.paths = ['/api/v2/*'];
    const { extra } = diffFor(broken, grants);
    expect(extra).toContain(
      'cluster.local/ns/rag-demo/sa/example-rag -> meshrag/chroma:8000 http POST /api/v2/*',
    );
  });

  it("fails when a producer's KafkaUser may also read: the Read edge is extra", () => {
    const broken = copy(manifests);
    const user = find(broken, 'KafkaUser', 'example-parser', 'meshrag');
    const acls = (user.spec as { authorization: { acls: { operations: string[] }[] } })
      .authorization.acls;
    acls[0]?.operations.push('Read');
    const { extra } = diffFor(broken, grants);
    expect(extra).toContain(
      'cluster.local/ns/ingest-demo/sa/example-parser -> kafka:kafka/meshrag topic:documents.parsed Read',
    );
  });
});

describe('fails when the manifests are broken (prod)', () => {
  const { manifests, grants } = rendered('prod');

  it('fails when the Strimzi operator generates NetworkPolicies after all: metrics ports open to any pod', () => {
    const broken = copy(manifests);
    const kafka = find(broken, 'Kafka', 'meshrag', 'kafka');
    (kafka.metadata as { annotations?: object }).annotations = {};
    const { extra, missing } = diffFor(broken, grants);
    expect(missing).toEqual([]);
    expect(extra.filter((k) => k.startsWith('unknown -> '))).toEqual([
      'unknown -> kafka/meshrag-broker:9404 tcp',
      'unknown -> kafka/meshrag-controller:9404 tcp',
      'unknown -> kafka/meshrag-entity-operator:8080 tcp',
      'unknown -> kafka/meshrag-entity-operator:8081 tcp',
      'unknown -> kafka/meshrag-kafka-exporter:9404 tcp',
    ]);
  });

  it('fails when a generating Strimzi listener loses its networkPolicyPeers: anyone may connect to the brokers', () => {
    const broken = copy(manifests);
    const kafka = find(broken, 'Kafka', 'meshrag', 'kafka');
    (kafka.metadata as { annotations?: object }).annotations = {};
    const listeners = kafkaListeners(broken);
    for (const listener of listeners) delete listener.networkPolicyPeers;
    const { extra } = diffFor(broken, grants);
    expect(extra).toContain('unknown -> kafka/meshrag-broker:9093 tcp');
  });

  it('fails when an over-broad rule lets the whole namespace call the embedder', () => {
    const broken = copy(manifests);
    const policy = find(broken, 'AuthorizationPolicy', 'allow-nothing', 'meshrag');
    broken.push({
      ...policy,
      metadata: { name: 'embedder-from-namespace', namespace: 'meshrag' },
      spec: {
        selector: { matchLabels: { 'app.kubernetes.io/name': 'embedder' } },
        rules: [{ from: [{ source: { namespaces: ['meshrag'] } }] }],
      },
    });
    const { extra, missing } = diffFor(broken, grants);
    expect(missing).toEqual([]);
    expect(extra).toContain(
      'cluster.local/ns/meshrag/sa/consumer -> meshrag/embedder:8080 http * *',
    );
  });

  it('fails when a workload loses its grants and the allow-nothing baseline: it is open to every peer the network lets in', () => {
    const broken = copy(manifests).filter(
      (o) =>
        !(
          o.kind === 'AuthorizationPolicy' &&
          o.metadata.namespace === 'meshrag' &&
          ['allow-nothing', 'consumer-metrics-prometheus'].includes(o.metadata.name)
        ),
    );
    const { extra, missing } = diffFor(broken, grants);
    expect(missing).toEqual([]);
    expect(extra).toContain(
      'cluster.local/ns/monitoring/sa/prometheus -> meshrag/consumer:9464 http * *',
    );
  });

  it('fails when the allow-nothing baseline stays but the grant is gone: the granted edge goes missing', () => {
    const broken = copy(manifests).filter(
      (o) =>
        !(o.kind === 'AuthorizationPolicy' && o.metadata.name === 'consumer-metrics-prometheus'),
    );
    expect(diffFor(broken, grants)).toEqual({
      missing: [
        'cluster.local/ns/monitoring/sa/prometheus -> meshrag/consumer:9464 http GET /metrics',
      ],
      extra: [],
    });
  });

  it('fails when a KafkaUser ACL is widened to a prefix', () => {
    const broken = copy(manifests);
    const acls = (
      firstOfKind(broken, 'KafkaUser').spec as {
        authorization: { acls: { resource: Record<string, string> }[] };
      }
    ).authorization.acls;
    const first = acls[0];
    if (first === undefined) throw new Error('the consumer KafkaUser has no ACLs');
    first.resource = { ...first.resource, name: 'documents.', patternType: 'prefix' };
    const { extra } = diffFor(broken, grants);
    expect(extra.some((k) => k.includes('topic:documents.dlq Read'))).toBe(true);
    expect(extra.some((k) => k.includes('topic:documents.* Read'))).toBe(true);
  });

  it('fails when the mesh drops to PERMISSIVE and the default-deny goes: a sidecar-less pod can reach Chroma without a principal only if an ALLOW rule lets it, so it still cannot', () => {
    const broken = copy(manifests).filter(
      (o) => !(o.kind === 'NetworkPolicy' && o.metadata.name === 'default-deny'),
    );
    const mesh = find(broken, 'PeerAuthentication', 'default', 'istio-system');
    (mesh.spec as { mtls: { mode: string } }).mtls.mode = 'PERMISSIVE';
    // Istio's per-workload ALLOW rules still demand principals: defence in depth holds here.
    expect(
      diffFor(broken, grants).extra.filter((k) => k.startsWith('unknown -> meshrag/')),
    ).toEqual([]);
    // ...but the Kafka broker is outside the mesh: with its listener open, only NetworkPolicy protects it.
    const listeners = kafkaListeners(broken);
    for (const listener of listeners) delete listener.networkPolicyPeers;
    const nsDeny = broken.filter(
      (o) => !(o.kind === 'NetworkPolicy' && o.metadata.namespace === 'kafka'),
    );
    expect(diffFor(nsDeny, grants).extra.some((k) => k.startsWith('unknown -> kafka/'))).toBe(true);
  });
});

describe('two producers and a reader in one namespace (staging)', () => {
  const ns = 'ingest';
  const services = [
    { name: 'parser-a', namespace: ns, serviceAccount: 'parser-a' },
    { name: 'parser-b', namespace: ns, serviceAccount: 'parser-b' },
  ];
  const reader = { name: 'rag', namespace: ns, serviceAccount: 'rag' };
  const { objects, grants } = renderStack({
    ...getStack('staging'),
    producers: services,
    readers: [reader],
  });
  // A third pod in that namespace, with a sidecar and labels of its own.
  const intruder = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'intruder', namespace: ns },
    spec: {
      selector: { matchLabels: { 'app.kubernetes.io/name': 'intruder' } },
      template: {
        metadata: { labels: { 'app.kubernetes.io/name': 'intruder' } },
        spec: { serviceAccountName: 'intruder', containers: [{ name: 'c', image: 'x' }] },
      },
    },
  };
  const namespace = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: ns, labels: { 'istio-injection': 'enabled' } },
  };
  const manifests = parseManifestYaml(toYaml([...objects, namespace, intruder]));
  const report = analyzeReachability(manifests);
  const expected = expectedEdgesFromGrants(grants, report.model);
  const principal = (sa: string) => `cluster.local/ns/${ns}/sa/${sa}`;
  // Edges into meshrag's namespaces: `ingest` is not meshrag's, its pods reach each other as its
  // owners decide (here: no policy at all).
  const from = (edges: readonly Parameters<typeof edgeKey>[0][], sa: string) =>
    edges
      .map(edgeKey)
      .filter((k) => k.startsWith(`${principal(sa)} `) && !k.includes(` -> ${ns}/`));

  it.each(['parser-a', 'parser-b', 'rag'])('gives %s exactly the edges of its own grants', (sa) => {
    expect(from(expected, sa).length).toBeGreaterThan(0);
    expect(from(report.edges, sa)).toEqual(from(expected, sa));
  });

  it('keeps the reader off the Kafka listener its neighbours may open', () => {
    expect(from(report.edges, 'rag').filter((k) => k.includes('kafka'))).toEqual([]);
  });

  it('lets a third pod of that namespace reach nothing', () => {
    expect(from(report.edges, 'intruder')).toEqual([]);
  });
});
