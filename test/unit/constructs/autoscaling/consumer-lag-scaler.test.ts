import { describe, expect, it } from 'vitest';
import type { MeshragStackConfig } from '../../../../constructs/meshrag-stack-config.js';
import { renderStack } from '../../../../constructs/render/render-stack.js';
import { getStack } from '../../../../stacks/stack-registry.js';
import { validateManifest } from '../../../helpers/manifest-schemas.js';

// biome-ignore lint/suspicious/noExplicitAny: rendered JSON, read field by field
type Obj = { kind: string; metadata: any; spec: any };

const render = (config: MeshragStackConfig) => renderStack(config);
const find = (objects: readonly unknown[], kind: string, name: string): Obj => {
  const found = (objects as unknown as Obj[]).find(
    (o) => o.kind === kind && o.metadata.name === name,
  );
  if (found === undefined) throw new Error(`no ${kind} ${name}`);
  return found;
};

describe('autoscaling (prod)', { timeout: 30_000 }, () => {
  const { objects, grants } = render(getStack('prod'));

  it('scales the consumer on its group lag over the TLS listener, up to the partition count', () => {
    const scaled = find(objects, 'ScaledObject', 'consumer');
    expect(scaled.spec).toMatchObject({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'consumer' },
      minReplicaCount: 2,
      maxReplicaCount: 12,
    });
    expect(scaled.spec.triggers).toEqual([
      {
        type: 'kafka',
        metadata: {
          bootstrapServers: 'meshrag-kafka-bootstrap.kafka.svc:9093',
          consumerGroup: 'meshrag-ingest',
          topic: 'documents.parsed',
          lagThreshold: '500',
          tls: 'enable',
          allowIdleConsumers: 'false',
        },
        authenticationRef: { name: 'consumer-kafka-lag' },
      },
    ]);
    expect(find(objects, 'TriggerAuthentication', 'consumer-kafka-lag').spec).toEqual({
      secretTargetRef: [
        { parameter: 'ca', name: 'meshrag-cluster-ca-cert', key: 'ca.crt' },
        { parameter: 'cert', name: 'consumer-lag-reader', key: 'user.crt' },
        { parameter: 'key', name: 'consumer-lag-reader', key: 'user.key' },
      ],
    });
    // KEDA's HPA alone owns the replica count.
    expect(find(objects, 'Deployment', 'consumer').spec.replicas).toBeUndefined();
  });

  it("gives KEDA's KafkaUser Describe on the topic and the group, and nothing else", () => {
    expect(
      grants.filter((g) => g.kind === 'kafka' && g.kafkaUser === 'consumer-lag-reader'),
    ).toEqual([
      {
        kind: 'kafka',
        grantee: 'cluster.local/ns/keda/sa/keda-operator',
        kafkaUser: 'consumer-lag-reader',
        cluster: 'meshrag',
        topic: 'documents.parsed',
        operations: ['Describe'],
        group: 'meshrag-ingest',
        groupOperations: ['Describe'],
      },
    ]);
    expect(find(objects, 'KafkaUser', 'consumer-lag-reader').spec.authentication).toEqual({
      type: 'tls',
    });
  });

  it('scales the embedder on its queue depth from Prometheus, with no CPU autoscaler', () => {
    const scaled = find(objects, 'ScaledObject', 'embedder');
    expect(scaled.spec).toMatchObject({ minReplicaCount: 2, maxReplicaCount: 6 });
    expect(scaled.spec.triggers).toEqual([
      {
        type: 'prometheus',
        metadata: {
          serverAddress: 'http://prometheus-operated.monitoring.svc:9090',
          query: 'sum(meshrag_embed_queue_depth{namespace="meshrag", service="embedder"})',
          threshold: '64',
        },
      },
    ]);
    expect(
      (objects as unknown as Obj[]).filter((o) => o.kind === 'HorizontalPodAutoscaler'),
    ).toEqual([]);
    expect(find(objects, 'Deployment', 'embedder').spec.replicas).toBeUndefined();
  });

  it('validates ScaledObject and TriggerAuthentication against the vendored KEDA CRDs', () => {
    const keda = (objects as unknown as Obj[]).filter(
      (o) => o.metadata && o.kind.match(/Scaled|Trigger/),
    );
    expect(keda).toHaveLength(3);
    for (const o of keda) expect(validateManifest(o as never)).toEqual([]);
  });

  it('fails when maxReplicas exceeds the partitions of the source topic', () => {
    const prod = getStack('prod');
    expect(() =>
      render({
        ...prod,
        consumer: { ...prod.consumer, autoscaling: { minReplicas: 2, maxReplicas: 13 } },
      }),
    ).toThrow(
      /maxReplicas 13 but topic documents.parsed has 12 partitions; consumers past 12 in group meshrag-ingest would sit idle/,
    );
  });

  it('fails when the embedder scales on its queue but no Prometheus is named', () => {
    const prod = getStack('prod');
    expect(() =>
      render({ ...prod, monitoring: { ...prod.monitoring, prometheusUrl: undefined } } as never),
    ).toThrow(/queueDepthPerReplica needs monitoring.prometheusUrl/);
  });

  it('fails when minReplicas is above maxReplicas', () => {
    const prod = getStack('prod');
    expect(() =>
      render({
        ...prod,
        consumer: { ...prod.consumer, autoscaling: { minReplicas: 5, maxReplicas: 4 } },
      }),
    ).toThrow(/ConsumerLagScaler maxReplicas must be a whole number >= 5, got 4/);
  });
});
