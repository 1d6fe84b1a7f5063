import { describe, expect, it } from 'vitest';
import { parseManifestYaml } from '../../../../analysis/reachability/manifest-object.js';
import {
  buildReachabilityModel,
  isMeshed,
  protocolOf,
} from '../../../../analysis/reachability/reachability-model.js';
import { kafka, namespace, workload } from './manifest-fixtures.js';

describe('protocolOf', () => {
  it('reads the protocol from the port name prefix, and appProtocol wins', () => {
    expect(protocolOf(undefined, 'http-embed')).toBe('http');
    expect(protocolOf(undefined, 'grpc')).toBe('http');
    expect(protocolOf(undefined, 'http2-x')).toBe('http');
    expect(protocolOf(undefined, 'tcp-clients')).toBe('tcp');
    expect(protocolOf('http', 'tcp-clients')).toBe('http');
    expect(protocolOf('tcp', 'http-embed')).toBe('tcp');
  });

  it('fails when the name carries no known protocol: Istio sniffs', () => {
    expect(protocolOf(undefined, 'embed')).toBe('unknown');
    expect(protocolOf(undefined, 'httpx-embed')).toBe('unknown');
    expect(protocolOf(undefined, undefined)).toBe('unknown');
  });
});

describe('isMeshed', () => {
  it('follows the namespace label and the pod opt-out/opt-in', () => {
    expect(isMeshed({ 'istio-injection': 'enabled' }, {}, {})).toBe(true);
    expect(isMeshed({ 'istio.io/rev': 'stable' }, {}, {})).toBe(true);
    expect(isMeshed({}, { 'sidecar.istio.io/inject': 'true' }, {})).toBe(true);
  });

  it('fails when the pod opts out by label or annotation, or the namespace is disabled', () => {
    expect(
      isMeshed({ 'istio-injection': 'enabled' }, { 'sidecar.istio.io/inject': 'false' }, {}),
    ).toBe(false);
    expect(
      isMeshed({ 'istio-injection': 'enabled' }, {}, { 'sidecar.istio.io/inject': 'false' }),
    ).toBe(false);
    expect(
      isMeshed({ 'istio-injection': 'disabled' }, { 'sidecar.istio.io/inject': 'true' }, {}),
    ).toBe(false);
    expect(isMeshed({}, {}, {})).toBe(false);
  });
});

describe('buildReachabilityModel', () => {
  it('reads identity, secrets (volumes, projected, env) and warns about ports no Service names', () => {
    const [deployment] = parseManifestYaml(`
apiVersion: apps/v1
kind: Deployment
metadata: { name: worker, namespace: app }
spec:
  template:
    metadata: { labels: { app: worker } }
    spec:
      serviceAccountName: worker-sa
      containers:
        - name: worker
          ports: [{ name: http-api, containerPort: 8080 }]
          env: [{ name: A, valueFrom: { secretKeyRef: { name: env-secret, key: a } } }]
          envFrom: [{ secretRef: { name: envfrom-secret } }]
      volumes:
        - { name: a, secret: { secretName: volume-secret } }
        - { name: b, projected: { sources: [{ secret: { name: projected-secret } }] } }
`);
    if (deployment === undefined) throw new Error('fixture did not parse');
    const model = buildReachabilityModel([namespace('app'), deployment]);
    const [worker] = model.workloads;
    expect(worker?.principal).toBe('cluster.local/ns/app/sa/worker-sa');
    expect(worker?.meshed).toBe(true);
    expect([...(worker?.secrets ?? [])].sort()).toEqual([
      'env-secret',
      'envfrom-secret',
      'projected-secret',
      'volume-secret',
    ]);
    expect(worker?.ports.map((p) => [p.port, p.protocol])).toEqual([
      [8080, 'unknown'],
      [0, 'unknown'],
    ]);
    expect(model.warnings.join('\n')).toMatch(/port 8080 has no Service naming its protocol/);
  });

  it('models a Strimzi Kafka as node-pool workloads out of the mesh, plus the operator NetworkPolicy', () => {
    const model = buildReachabilityModel([
      namespace('kafka'),
      ...kafka('kafka', 'events'),
      workload('kafka', 'x'),
    ]);
    const brokers = model.workloads.find((w) => w.name === 'events-brokers');
    expect(brokers?.meshed).toBe(false);
    expect(brokers?.labels).toMatchObject({
      'strimzi.io/cluster': 'events',
      'strimzi.io/kind': 'Kafka',
      'strimzi.io/broker-role': 'true',
    });
    expect(brokers?.ports.map((p) => p.port)).toEqual([8443, 9091, 9093, 0]);
    expect(model.kafkaClusters[0]?.brokerWorkloads).toEqual(['events-brokers']);
    expect(
      model.networkPolicies
        .filter((p) => p.synthesisedFor !== undefined)
        .map((p) => p.object.metadata.name),
    ).toEqual(['events-network-policy-kafka']);
  });

  it('fails when an object is not a Kubernetes object', () => {
    expect(() => parseManifestYaml('kind: Thing\n')).toThrow(/metadata\.name/);
  });
});
