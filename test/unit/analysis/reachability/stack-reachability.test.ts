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

  it('lets the consumer POST /embed but not GET /metrics on the embedder', () => {
    const to = `${consumer.principal} -> ${embedder.namespace}/embedder:${embedderPort} http`;
    expect(keys).toContain(`${to} POST /embed`);
    expect(keys).toContain(`${to} POST /v1/embeddings`);
    expect(keys.filter((k) => k.startsWith(to) && !k.startsWith(`${to} POST `))).toEqual([]);
  });

  it('lets the embedder reach nothing: neither Chroma nor Kafka', () => {
    expect(keys.filter((k) => k.startsWith(`${embedder.principal} `))).toEqual([]);
  });

  it('lets Chroma reach nothing', () => {
    expect(keys.filter((k) => k.startsWith(`${chroma.principal} `))).toEqual([]);
  });

  it('lets nothing unnamed reach anything', () => {
    expect(keys.filter((k) => k.startsWith('unknown'))).toEqual([]);
  });

  it('lets monitoring GET /metrics and nothing else', () => {
    const monitoring = grants
      .filter((g) => g.kind === 'http' && g.paths.includes('/metrics'))
      .map((g) => g.grantee);
    expect(monitoring.length).toBeGreaterThan(0);
    const fromMonitoring = report.edges.filter(
      (e) => e.source.kind === 'identity' && monitoring.includes(e.source.principal),
    );
    expect(fromMonitoring.length).toBeGreaterThan(0);
    for (const edge of fromMonitoring) {
      expect(edge).toMatchObject({ kind: 'http', method: 'GET', path: '/metrics' });
    }
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

describe('fails when the manifests are broken (prod)', () => {
  const { manifests, grants } = rendered('prod');

  it('fails when a Strimzi listener loses its networkPolicyPeers: anyone may connect to the brokers', () => {
    const broken = copy(manifests);
    const listeners = kafkaListeners(broken);
    for (const listener of listeners) delete listener.networkPolicyPeers;
    const { extra } = diffFor(broken, grants);
    expect(extra.some((k) => k.startsWith('unknown -> ') && k.endsWith(' tcp'))).toBe(true);
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
