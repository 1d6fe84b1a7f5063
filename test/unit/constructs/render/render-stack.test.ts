import { describe, expect, it } from 'vitest';
import { type RenderedObject, renderStack } from '../../../../constructs/render/render-stack.js';
import { toYaml } from '../../../../constructs/render/to-yaml.js';
import { dev } from '../../../../stacks/dev.js';
import { getStack, stackNames } from '../../../../stacks/stack-registry.js';
import { validateManifest } from '../../../helpers/manifest-schemas.js';
import type { SynthObject } from '../../../helpers/synth-chart.js';

const rendered = Object.fromEntries(stackNames.map((name) => [name, renderStack(getStack(name))]));
const objectsOf = (stack: string) => (rendered[stack]?.objects ?? []) as unknown as SynthObject[];
const key = (o: RenderedObject) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

describe.each(stackNames)('renderStack(%s)', { timeout: 30_000 }, (stack) => {
  const objects = objectsOf(stack);

  it('renders objects that all validate against their schemas', () => {
    expect(objects.length).toBeGreaterThan(30);
    expect(objects.flatMap((o) => validateManifest(o))).toEqual([]);
  });

  it('renders the same bytes twice', () => {
    expect(toYaml(renderStack(getStack(stack)).objects)).toBe(toYaml(objects));
  });

  it('puts mesh-wide STRICT mTLS in istio-system', () => {
    const pa = objects.filter((o) => o.kind === 'PeerAuthentication');
    expect(pa).toHaveLength(1);
    expect(pa[0]?.metadata.namespace).toBe('istio-system');
    expect(pa[0]?.spec).toEqual({ mtls: { mode: 'STRICT' } });
  });

  it('starts every namespace it owns from allow-nothing and default-deny', () => {
    const namespaces = objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name);
    expect(namespaces.sort()).toEqual(['kafka', 'meshrag']);
    for (const ns of namespaces) {
      const allowNothing = objects.find(
        (o) =>
          o.kind === 'AuthorizationPolicy' &&
          o.metadata.namespace === ns &&
          o.metadata.name === 'allow-nothing',
      );
      expect(allowNothing?.spec).toEqual({});
      const deny = objects.find(
        (o) =>
          o.kind === 'NetworkPolicy' &&
          o.metadata.namespace === ns &&
          o.metadata.name === 'default-deny',
      );
      expect(deny?.spec.podSelector).toEqual({});
      expect(deny?.spec.policyTypes).toContain('Ingress');
    }
  });

  it('injects sidecars in the app namespace and keeps Kafka out of the mesh', () => {
    const label = (name: string) =>
      objects.find((o) => o.kind === 'Namespace' && o.metadata.name === name)?.metadata.labels;
    expect(label('meshrag')?.['istio-injection']).toBe('enabled');
    expect(label('kafka')?.['istio-injection']).toBe('disabled');
    for (const pool of objects.filter((o) => o.kind === 'KafkaNodePool')) {
      expect(pool.spec.template.pod.metadata.labels['sidecar.istio.io/inject']).toBe('false');
    }
    const kafka = objects.find((o) => o.kind === 'Kafka');
    expect(kafka?.spec.kafka.template.pod.metadata.labels['sidecar.istio.io/inject']).toBe('false');
    expect(kafka?.spec.entityOperator.template.pod.metadata.labels['sidecar.istio.io/inject']).toBe(
      'false',
    );
  });

  it('names every Service and container port by protocol', () => {
    const servicePorts = objects
      .filter((o) => o.kind === 'Service')
      .flatMap((o) => o.spec.ports as { name: string }[]);
    const podSpecs = objects
      .filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet')
      .map((o) => o.spec.template.spec as { containers: { ports?: { name: string }[] }[] });
    const containerPorts = podSpecs.flatMap((s) => s.containers.flatMap((c) => c.ports ?? []));
    expect(servicePorts.length).toBeGreaterThan(0);
    for (const port of [...servicePorts, ...containerPorts])
      expect(port.name).toMatch(/^(http|grpc|tcp)(-|$)/);
  });

  it('runs every workload pod under the restricted Pod Security Standard', () => {
    const pods = objects
      .filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet')
      .map((o) => o.spec.template.spec);
    expect(pods).toHaveLength(3);
    for (const pod of pods) {
      expect(pod.securityContext).toMatchObject({
        runAsNonRoot: true,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(pod.hostNetwork).toBe(false);
      for (const c of pod.containers) {
        expect(c.securityContext).toMatchObject({
          allowPrivilegeEscalation: false,
          privileged: false,
          runAsNonRoot: true,
          capabilities: { drop: ['ALL'] },
        });
        expect(c.securityContext.capabilities.add).toBeUndefined();
        expect(c.resources.requests).toHaveProperty('cpu');
        expect(c.resources.limits).toHaveProperty('memory');
      }
      expect(pod.volumes.every((v: object) => !('hostPath' in v))).toBe(true);
    }
  });

  it('gives every workload its own ServiceAccount', () => {
    const workloads = objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet');
    const accounts = workloads.map((o) => o.spec.template.spec.serviceAccountName);
    expect(new Set(accounts).size).toBe(workloads.length);
    for (const sa of accounts)
      expect(objects.some((o) => o.kind === 'ServiceAccount' && o.metadata.name === sa)).toBe(true);
  });

  it('lists objects in apply order with unique keys', () => {
    const kinds = objects.map((o) => o.kind);
    expect(kinds.indexOf('Namespace')).toBe(0);
    expect(kinds.lastIndexOf('Namespace')).toBeLessThan(kinds.indexOf('Deployment'));
    expect(new Set(objects.map(key)).size).toBe(objects.length);
  });
});

describe('renderStack', () => {
  it('renders the topic plan per stack: prod 12 partitions x 3 replicas, dev 1 replica', () => {
    const topics = (stack: string) => objectsOf(stack).filter((o) => o.kind === 'KafkaTopic');
    expect(topics('prod')).toHaveLength(5);
    for (const t of topics('prod')) {
      expect(t.spec).toEqual({
        partitions: 12,
        replicas: 3,
        config: {
          'retention.ms': 604_800_000,
          'min.insync.replicas': 2,
          // the record size budget: 2.3 MiB, the DLQ one header allowance more
          'max.message.bytes': t.metadata.name === 'documents.dlq' ? 2_490_368 : 2_424_832,
        },
      });
    }
    for (const t of topics('dev')) expect(t.spec.replicas).toBe(1);
  });

  it('puts the embedder on GPUs in prod only', () => {
    const gpu = (stack: string) =>
      objectsOf(stack).find((o) => o.kind === 'Deployment' && o.metadata.name === 'embedder')?.spec
        .template.spec.containers[0].resources.limits['nvidia.com/gpu'];
    expect(gpu('prod')).toBe(1);
    expect(gpu('dev')).toBeUndefined();
    expect(gpu('staging')).toBeUndefined();
  });

  it('renders a config passed in directly the same as the registered stack', () => {
    expect(toYaml(renderStack(dev).objects)).toBe(toYaml(objectsOf('dev')));
  });

  it('fails when the stack name is unknown, listing the valid ones', () => {
    expect(() => getStack('qa')).toThrow("unknown stack 'qa': valid stacks are dev, staging, prod");
  });

  it('fails when a stack config is invalid', () => {
    expect(() => renderStack({ ...dev, consumer: { ...dev.consumer, replicas: 4 } })).toThrow(
      /4 replicas but topic documents.parsed has 3/,
    );
    expect(() => renderStack({ ...dev, embedder: { ...dev.embedder, gpuCount: 1 } })).toThrow(
      /gpuCount 1 on a CPU stack/,
    );
  });

  it('keeps a stable list of objects per stack', () => {
    expect(objectsOf('prod').map(key)).toMatchSnapshot();
  });
});
