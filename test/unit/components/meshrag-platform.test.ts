import { beforeAll, describe, expect, it } from 'vitest';
import {
  FAKE_CA,
  fakeUserSecret,
  find,
  installMocks,
  parentType,
  SECRET_SIG,
  SECRET_VALUE_SIG,
  settle,
} from './pulumi-mocks.js';

const recorded = installMocks();
const { renderStack } = await import('../../../constructs/render/render-stack.js');
const { prod, dev } = await import('../../../stacks/index.js');
const { MeshragPlatform, deployableObjects, KAFKA_WAIT_FOR, objectKey } = await import(
  '../../../components/meshrag-platform.js'
);

const EMBEDDER = `registry.example/meshrag-embedder@sha256:${'b'.repeat(64)}`;
const CONSUMER = `registry.example/meshrag-consumer@sha256:${'c'.repeat(64)}`;
const GROUP = 'kubernetes:yaml/v2:ConfigGroup';
// biome-ignore lint/suspicious/noExplicitAny: rendered objects as plain JSON
type Obj = any;

// Renders whole stacks and waits for registrations: room for a loaded machine.
describe('MeshragPlatform', { timeout: 60_000 }, () => {
  beforeAll(async () => {
    new MeshragPlatform('meshrag', {
      config: prod,
      images: { embedder: EMBEDDER, consumer: CONSUMER },
    });
    new MeshragPlatform('onboard', {
      config: {
        ...dev,
        producers: [
          { name: 'parser-a', namespace: 'ingest', serviceAccount: 'parser-a' },
          { name: 'parser-b', namespace: 'ingest', serviceAccount: 'parser-b' },
          { name: 'in-app', namespace: dev.namespaces.app, serviceAccount: 'in-app' },
        ],
      },
      images: dev.images,
    });
    new MeshragPlatform('nodeless', {
      config: { ...dev, namespaces: { app: 'nodeless', kafka: 'nodeless-kafka' } },
      images: dev.images,
      skipAwait: true,
    });
    await settle(recorded);
  }, 60_000);

  it('applies exactly what renderStack renders, one ConfigGroup per concern', () => {
    const groups = ['namespaces', 'kafka', 'workloads', 'services'].map((g) =>
      find(recorded, GROUP, `meshrag-${g}`),
    );
    for (const g of groups) expect(parentType(g)).toBe('meshrag:platform:MeshragPlatform');
    const applied: Obj[] = groups.flatMap((g) => g.inputs.objs);
    const expected = renderStack({
      ...prod,
      images: { ...prod.images, embedder: EMBEDDER, consumer: CONSUMER },
    }).objects;
    const withoutWaitFor = applied.map((o) => {
      if (o.kind !== 'Kafka' && o.kind !== 'KafkaUser') return o;
      const { annotations: all, ...metadata } = o.metadata;
      const { 'pulumi.com/waitFor': _, ...annotations } = all;
      return {
        ...o,
        metadata: { ...metadata, ...(Object.keys(annotations).length ? { annotations } : {}) },
      };
    });
    const byKey = (objs: Obj[]) => [...objs].sort((a, b) => (objectKey(a) < objectKey(b) ? -1 : 1));
    expect(byKey(withoutWaitFor)).toEqual(byKey([...expected]));

    const kinds = (name: string) =>
      new Set(find(recorded, GROUP, `meshrag-${name}`).inputs.objs.map((o: Obj) => o.kind));
    expect(kinds('namespaces')).toEqual(
      new Set([
        'Namespace',
        'ServiceAccount',
        'PeerAuthentication',
        'AuthorizationPolicy',
        'NetworkPolicy',
      ]),
    );
    expect(kinds('kafka')).toEqual(new Set(['Kafka', 'KafkaNodePool', 'KafkaTopic', 'KafkaUser']));
    expect(kinds('services')).toEqual(new Set(['Deployment']));
  });

  it('pins the embedder and consumer Deployments by digest, in their own group', () => {
    const services: Obj[] = find(recorded, GROUP, 'meshrag-services').inputs.objs;
    const images = Object.fromEntries(
      services.map((d) => [d.metadata.name, d.spec.template.spec.containers[0].image]),
    );
    expect(images).toEqual({ embedder: EMBEDDER, consumer: CONSUMER });
    const elsewhere = ['namespaces', 'kafka', 'workloads'].flatMap((g) =>
      find(recorded, GROUP, `meshrag-${g}`).inputs.objs.map((o: Obj) => JSON.stringify(o)),
    );
    expect(elsewhere.filter((j: string) => j.includes('sha256:'))).toEqual([]);
  });

  it('orders Istio → namespaces → Strimzi → Kafka CRs → Deployments', () => {
    const deps = (type: string, name: string) => find(recorded, type, name).dependencies.join(' ');
    expect(deps(GROUP, 'meshrag-namespaces')).toContain('meshrag-istio-istiod');
    const strimzi = find(recorded, 'meshrag:kafka:StrimziOperator', 'meshrag-strimzi');
    expect(strimzi.dependencies.join(' ')).toContain('meshrag-namespaces');
    expect(deps(GROUP, 'meshrag-kafka')).toContain('::meshrag-strimzi');
    expect(deps(GROUP, 'meshrag-workloads')).toContain('meshrag-namespaces');
    const services = deps(GROUP, 'meshrag-services');
    for (const n of ['meshrag-kafka', 'meshrag-workloads', 'meshrag-cluster-ca'])
      expect(services).toContain(n);
    const chart = find(recorded, 'kubernetes:helm.sh/v4:Chart', 'meshrag-strimzi');
    expect(chart.inputs.namespace).toBe(prod.namespaces.kafka);
    expect(chart.inputs.values.watchNamespaces).toEqual([prod.namespaces.app]);
  });

  it('makes the Kafka group wait for Ready, and copies the cluster CA into the app namespace as a secret', () => {
    const kafka: Obj[] = find(recorded, GROUP, 'meshrag-kafka').inputs.objs;
    const cr = kafka.find((o) => o.kind === 'Kafka');
    expect(cr.metadata.annotations['pulumi.com/waitFor']).toBe(KAFKA_WAIT_FOR);

    const read = find(recorded, 'kubernetes:core/v1:Secret', 'meshrag-cluster-ca-source');
    expect(read.id).toBe('kafka/meshrag-cluster-ca-cert');
    expect(read.dependencies.join(' ')).toContain('meshrag-kafka');
    const copy = find(recorded, 'kubernetes:core/v1:Secret', 'meshrag-cluster-ca');
    expect(copy.inputs.metadata).toMatchObject({
      name: 'meshrag-cluster-ca-cert',
      namespace: 'meshrag',
    });
    // Marked secret: the mocks see the secret wrapper, with the value inside.
    expect(copy.inputs.data).toEqual({
      [SECRET_SIG]: SECRET_VALUE_SIG,
      value: { 'ca.crt': FAKE_CA },
    });
    expect(parentType(copy)).toBe('meshrag:platform:MeshragPlatform');
  });

  it('with skipAwait, skips readiness everywhere and copies no CA (no operator runs)', () => {
    for (const g of ['namespaces', 'kafka', 'workloads', 'services']) {
      expect(find(recorded, GROUP, `nodeless-${g}`).inputs.skipAwait).toBe(true);
    }
    for (const c of [
      'nodeless-strimzi',
      'nodeless-istio-base',
      'nodeless-istio-cni',
      'nodeless-istio-istiod',
    ]) {
      expect(find(recorded, 'kubernetes:helm.sh/v4:Chart', c).inputs.skipAwait).toBe(true);
    }
    const kafka: Obj[] = find(recorded, GROUP, 'nodeless-kafka').inputs.objs;
    expect(
      kafka.find((o) => o.kind === 'Kafka').metadata.annotations?.['pulumi.com/waitFor'],
    ).toBeUndefined();
    expect(recorded.filter((r) => r.name.startsWith('nodeless-cluster-ca'))).toEqual([]);
  });

  it('adds the wait only to the Kafka CR and the KafkaUsers, and never changes its input', () => {
    const objects = renderStack(dev).objects;
    const before = JSON.stringify(objects);
    const out = deployableObjects(objects, { skipAwait: false });
    expect(JSON.stringify(objects)).toBe(before);
    expect(out.filter((o, i) => o !== objects[i]).map((o) => o.kind)).toEqual([
      'Kafka',
      'KafkaUser',
      'KafkaUser',
    ]);
    for (const o of out.filter((o) => o.kind === 'KafkaUser'))
      expect((o.metadata.annotations as Obj)['pulumi.com/waitFor']).toBe(KAFKA_WAIT_FOR);
  });

  it("copies each producer's KafkaUser Secret and the cluster CA into its namespace, after the Kafka group", () => {
    const secrets = recorded.filter(
      (r) => r.type === 'kubernetes:core/v1:Secret' && r.name.startsWith('onboard-'),
    );
    const copies = secrets.filter((r) => r.id === undefined);
    expect(
      copies.map((r) => `${r.inputs.metadata.namespace}/${r.inputs.metadata.name}`).sort(),
    ).toEqual([
      'ingest/meshrag-cluster-ca-cert',
      'ingest/parser-a',
      'ingest/parser-b',
      `${dev.namespaces.app}/meshrag-cluster-ca-cert`,
    ]);
    for (const producer of ['parser-a', 'parser-b']) {
      const read = find(
        recorded,
        'kubernetes:core/v1:Secret',
        `onboard-producer-${producer}-source`,
      );
      expect(read.id).toBe(`${dev.namespaces.app}/${producer}`);
      expect(read.dependencies.join(' ')).toContain('onboard-kafka');
      const copy = find(recorded, 'kubernetes:core/v1:Secret', `onboard-producer-${producer}`);
      const { 'extra.key': _, ...userKeys } = fakeUserSecret(`${dev.namespaces.app}/${producer}`);
      expect(copy.inputs.data).toEqual({ [SECRET_SIG]: SECRET_VALUE_SIG, value: userKeys });
      expect(copy.inputs.metadata.annotations).toEqual({
        'meshrag.io/copied-from': `${dev.namespaces.app}/${producer}`,
      });
      expect(copy.dependencies.join(' ')).toContain('onboard-kafka');
      expect(parentType(copy)).toBe('meshrag:platform:MeshragPlatform');
    }
    const ca = find(recorded, 'kubernetes:core/v1:Secret', 'onboard-cluster-ca-ingest');
    expect(ca.inputs.data).toEqual({
      [SECRET_SIG]: SECRET_VALUE_SIG,
      value: { 'ca.crt': FAKE_CA },
    });
    // A producer in the app namespace mounts the User Operator's Secret where it is written.
    expect(secrets.some((r) => r.name.includes('in-app'))).toBe(false);
    // prod onboards nobody: no copies beyond its own CA.
    expect(recorded.filter((r) => r.name.startsWith('meshrag-producer'))).toEqual([]);
  });
});
