import type { Chart } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import {
  IngestionConsumer,
  type IngestionConsumerProps,
} from '../../../../constructs/consumer/ingestion-consumer.js';
import { KafkaTopic } from '../../../../constructs/kafka/kafka-topic.js';
import { kafkaFixture } from '../../../helpers/kafka-fixture.js';
import { validateManifest } from '../../../helpers/manifest-schemas.js';
import { findObject, type SynthObject, synthChart } from '../../../helpers/synth-chart.js';

function consumer(
  props: Partial<IngestionConsumerProps> = {},
  build?: (c: IngestionConsumer, chart: Chart) => void,
) {
  return synthChart((chart) => {
    const { apps, kafka } = kafkaFixture(chart);
    const topic = new KafkaTopic(chart, 'Parsed', {
      cluster: kafka,
      topicName: 'documents.parsed',
      partitions: 6,
      replicas: 3,
      retentionMs: 1000,
      minInsyncReplicas: 2,
    });
    const c = new IngestionConsumer(chart, 'Consumer', {
      namespace: apps,
      image: 'ghcr.io/meshrag/consumer:0.1.0',
      kafka,
      sourceTopic: topic,
      embedderUrl: 'http://embedder.apps.svc:8080',
      chromaUrl: 'http://chroma.apps.svc:8000',
      ...props,
    });
    build?.(c, chart);
  });
}

const pod = (objects: SynthObject[]) =>
  findObject(objects, 'Deployment', 'consumer').spec.template.spec;

describe('IngestionConsumer', { timeout: 30_000 }, () => {
  it('mounts its KafkaUser certificate and the cluster CA read-only', () => {
    const objects = consumer();
    const spec = pod(objects);

    expect(spec.volumes).toContainEqual({
      name: 'kafka-user-cert',
      secret: { secretName: 'consumer' },
    });
    expect(spec.volumes).toContainEqual({
      name: 'kafka-cluster-ca',
      secret: { secretName: 'meshrag-cluster-ca-cert' },
    });
    expect(spec.containers[0].volumeMounts).toEqual(
      expect.arrayContaining([
        { mountPath: '/etc/kafka/user', name: 'kafka-user-cert', readOnly: true },
        { mountPath: '/etc/kafka/cluster-ca', name: 'kafka-cluster-ca', readOnly: true },
      ]),
    );
    expect(findObject(objects, 'KafkaUser', 'consumer', 'apps').spec.authentication).toEqual({
      type: 'tls',
    });
    for (const o of objects) expect(validateManifest(o)).toEqual([]);
  });

  it('is configured from the stack: bootstrap on the TLS listener, group, embedder and Chroma URLs', () => {
    const env = Object.fromEntries(
      (
        pod(consumer({ groupId: 'ingest' })).containers[0].env as { name: string; value: string }[]
      ).map((e) => [e.name, e.value]),
    );
    expect(env).toMatchObject({
      MESHRAG_CONSUMER_KAFKA_BROKERS: 'meshrag-kafka-bootstrap.kafka.svc:9093',
      MESHRAG_CONSUMER_GROUP_ID: 'ingest',
      MESHRAG_CONSUMER_KAFKA_TLS_CA_FILE: '/etc/kafka/cluster-ca/ca.crt',
      MESHRAG_CONSUMER_KAFKA_TLS_CERT_FILE: '/etc/kafka/user/user.crt',
      MESHRAG_CONSUMER_KAFKA_TLS_KEY_FILE: '/etc/kafka/user/user.key',
      MESHRAG_CONSUMER_EMBEDDER_URL: 'http://embedder.apps.svc:8080',
      MESHRAG_CONSUMER_CHROMA_URL: 'http://chroma.apps.svc:8000',
      MESHRAG_CONSUMER_HTTP_PORT: '9464',
    });
  });

  it('probes /health on http-metrics, runs restricted and keeps the sidecar off the Kafka path', () => {
    const objects = consumer({ replicas: 3 });
    const deployment = findObject(objects, 'Deployment', 'consumer');
    const container = deployment.spec.template.spec.containers[0];

    expect(deployment.spec.replicas).toBe(3);
    expect(container.readinessProbe.httpGet).toMatchObject({ path: '/readyz', port: 9464 });
    // liveness and startup never depend on group membership or Chroma (issue 10)
    expect(container.livenessProbe.httpGet).toMatchObject({ path: '/livez', port: 9464 });
    expect(container.startupProbe.httpGet).toMatchObject({ path: '/livez', port: 9464 });
    expect(container.startupProbe.failureThreshold).toBeGreaterThanOrEqual(12);
    expect(container.securityContext).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(deployment.spec.template.metadata.annotations).toEqual({
      'traffic.sidecar.istio.io/excludeOutboundPorts': '9093',
    });
    expect(findObject(objects, 'Service', 'consumer').spec.ports).toEqual([
      { name: 'http-metrics', port: 9464, targetPort: 9464 },
    ]);
  });

  it('is a Kafka client whose identity is its own ServiceAccount', () => {
    consumer({}, (c) => {
      expect(c.principal).toBe('cluster.local/ns/apps/sa/consumer');
      expect(c.kafkaUser.name).toBe('consumer');
      expect(c.egressRestricted).toBe(true);
    });
  });

  it('fails when it has more replicas than the source topic has partitions', () => {
    expect(() => consumer({ replicas: 7 })).toThrow(
      /7 replicas but topic documents.parsed has 6 partitions/,
    );
  });

  it('fails when replicas is below 1 or the image is not pinned', () => {
    expect(() => consumer({ replicas: 0 })).toThrow(/replicas must be a whole number >= 1, got 0/);
    expect(() => consumer({ image: 'consumer:latest' })).toThrow(/not a pinned image reference/);
  });
});
