import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { KafkaCluster } from '../../../../constructs/kafka/kafka-cluster.js';
import { STRIMZI_KAFKA_METRICS_RULES } from '../../../../constructs/kafka/strimzi-kafka-metrics-rules.js';
import { MeshIdentity } from '../../../../constructs/mesh/mesh-identity.js';
import { MeshNamespace } from '../../../../constructs/mesh/mesh-namespace.js';
import { kafkaFixture } from '../../../helpers/kafka-fixture.js';
import { validateManifest } from '../../../helpers/manifest-schemas.js';
import { findObject, synthChart } from '../../../helpers/synth-chart.js';

describe('KafkaCluster', { timeout: 30_000 }, () => {
  it('is a Strimzi v1 Kafka in KRaft mode with controller and broker node pools', () => {
    const objects = synthChart((chart) => kafkaFixture(chart));

    const kafka = findObject(objects, 'Kafka', 'meshrag', 'kafka');
    expect(kafka.apiVersion).toBe('kafka.strimzi.io/v1');
    expect(kafka.spec.kafka.version).toBe('4.3.1');
    expect(kafka.spec.zookeeper).toBeUndefined();
    const controller = findObject(objects, 'KafkaNodePool', 'controller', 'kafka');
    const broker = findObject(objects, 'KafkaNodePool', 'broker', 'kafka');
    expect(controller.metadata.labels).toEqual({ 'strimzi.io/cluster': 'meshrag' });
    expect(controller.spec.roles).toEqual(['controller']);
    expect(broker.spec.roles).toEqual(['broker']);
    expect(broker.spec.replicas).toBe(3);
    expect(broker.spec.storage.volumes[0]).toMatchObject({
      type: 'persistent-claim',
      size: '100Gi',
      kraftMetadata: 'shared',
    });
    for (const o of objects) expect(validateManifest(o)).toEqual([]);
  });

  it('serves clients only on a TLS listener with tls authentication and simple authorization', () => {
    const objects = synthChart((chart) => kafkaFixture(chart));

    const spec = findObject(objects, 'Kafka', 'meshrag').spec;
    expect(spec.kafka.listeners).toHaveLength(1);
    expect(spec.kafka.listeners[0]).toMatchObject({
      name: 'tls',
      port: 9093,
      type: 'internal',
      tls: true,
      authentication: { type: 'tls' },
    });
    expect(spec.kafka.authorization).toEqual({ type: 'simple' });
    const operatorResources = {
      requests: { cpu: '100m', memory: '256Mi' },
      limits: { memory: '512Mi' },
    };
    expect(spec.entityOperator.topicOperator).toEqual({ resources: operatorResources });
    expect(spec.entityOperator.userOperator).toEqual({
      watchedNamespace: 'apps',
      resources: operatorResources,
    });
  });

  it('sets replication defaults from its props', () => {
    const objects = synthChart((chart) => kafkaFixture(chart));

    expect(findObject(objects, 'Kafka', 'meshrag').spec.kafka.config).toEqual({
      'auto.create.topics.enable': false,
      'default.replication.factor': 3,
      'min.insync.replicas': 2,
      'offsets.topic.replication.factor': 3,
      'transaction.state.log.replication.factor': 3,
      'transaction.state.log.min.isr': 2,
    });
  });

  it('keeps brokers, controllers and the entity operator out of the mesh', () => {
    const objects = synthChart((chart) => kafkaFixture(chart));

    const kafka = findObject(objects, 'Kafka', 'meshrag');
    const templates = [
      kafka.spec.kafka.template.pod.metadata,
      kafka.spec.entityOperator.template.pod.metadata,
      findObject(objects, 'KafkaNodePool', 'broker').spec.template.pod.metadata,
      findObject(objects, 'KafkaNodePool', 'controller').spec.template.pod.metadata,
    ];
    for (const metadata of templates) {
      expect(metadata.labels['sidecar.istio.io/inject']).toBe('false');
      expect(metadata.annotations['sidecar.istio.io/inject']).toBe('false');
    }
  });

  it('lets no pod reach the listener until a client is allowed', () => {
    const objects = synthChart((chart) => kafkaFixture(chart));

    const peers = findObject(objects, 'Kafka', 'meshrag').spec.kafka.listeners[0]
      .networkPolicyPeers;
    expect(peers).toEqual([
      { podSelector: { matchLabels: { 'meshrag.io/kafka-client': 'none-granted' } } },
    ]);
  });

  it('opens the listener to an allowed client: Strimzi peers, broker ingress and client egress', () => {
    const objects = synthChart((chart) => {
      const { apps, kafka } = kafkaFixture(chart);
      const client = new MeshIdentity(chart, 'Client', { namespace: apps, name: 'reader' });
      kafka.allowClient(client);
      kafka.allowClient(client);
    });

    const peer = {
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'apps' } },
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'reader' } },
    };
    expect(
      findObject(objects, 'Kafka', 'meshrag').spec.kafka.listeners[0].networkPolicyPeers,
    ).toEqual([peer]);
    const ingress = findObject(objects, 'NetworkPolicy', 'meshrag-kafka-from-reader-9093', 'kafka');
    expect(ingress.spec.podSelector.matchLabels).toEqual({
      'strimzi.io/cluster': 'meshrag',
      'strimzi.io/broker-role': 'true',
    });
    expect(ingress.spec.ingress).toEqual([
      { from: [peer], ports: [{ protocol: 'TCP', port: 9093 }] },
    ]);
    expect(
      findObject(objects, 'NetworkPolicy', 'reader-to-meshrag-kafka-9093', 'apps').spec.policyTypes,
    ).toEqual(['Egress']);
  });

  it('derives the bootstrap address and CA secret from its name and namespace', () => {
    synthChart((chart) => {
      const { kafka } = kafkaFixture(chart, { name: 'events' });
      expect(kafka.bootstrapServers).toBe('events-kafka-bootstrap.kafka.svc:9093');
      expect(kafka.clusterCaSecretName).toBe('events-cluster-ca-cert');
    });
  });

  it('fails when min.insync.replicas is not below the replication factor', () => {
    expect(() => synthChart((chart) => kafkaFixture(chart, { minInsyncReplicas: 3 }))).toThrow(
      /min.insync.replicas \(3\) must be below the replica count \(3\)/,
    );
  });

  it('fails when the replication factor exceeds the brokers', () => {
    expect(() =>
      synthChart((chart) => kafkaFixture(chart, { defaultReplicationFactor: 4 })),
    ).toThrow(/default.replication.factor must be a whole number between 1 and 3, got 4/);
  });

  it('fails when the version is not Kafka 4.3.x', () => {
    for (const version of ['3.9.0', '4.2.0', '4.3']) {
      expect(() => synthChart((chart) => kafkaFixture(chart, { version }))).toThrow(
        /not a Kafka 4.3.x release/,
      );
    }
  });

  it('fails when the brokers would get sidecars', () => {
    expect(() =>
      synthChart((chart) => {
        const apps = new MeshNamespace(chart, 'Apps', { name: 'apps' });
        new KafkaCluster(chart, 'Kafka', {
          namespace: apps,
          userNamespace: apps,
          controllers: { replicas: 1, storageGiB: 1 },
          brokers: { replicas: 1, storageGiB: 1 },
        });
      }),
    ).toThrow(/injects Istio sidecars, which Strimzi does not support/);
  });

  it('fails when a pool is empty, its storage is not a whole number of GiB, or the name is invalid', () => {
    expect(() =>
      synthChart((chart) => kafkaFixture(chart, { brokers: { replicas: 0, storageGiB: 1 } })),
    ).toThrow(/brokers.replicas must be a whole number >= 1, got 0/);
    expect(() =>
      synthChart((chart) => kafkaFixture(chart, { controllers: { replicas: 1, storageGiB: 0.5 } })),
    ).toThrow(/KafkaNodePool controller storageGiB must be a whole number >= 1, got 0.5/);
    expect(() => synthChart((chart) => kafkaFixture(chart, { name: 'My_Kafka' }))).toThrow(
      /Kafka cluster name 'My_Kafka'/,
    );
  });

  it('fails when node resources request more than their limit', () => {
    expect(() =>
      synthChart((chart) =>
        kafkaFixture(chart, {
          brokers: {
            replicas: 3,
            storageGiB: 1,
            resources: { cpuRequestMillis: 100, memoryRequestMiB: 2048, memoryLimitMiB: 1024 },
          },
        }),
      ),
    ).toThrow(/memoryLimitMiB must be a whole number >= 2048/);
  });

  it('renders broker JMX metrics by default: metricsConfig from a ConfigMap of Strimzi example rules', () => {
    const off = synthChart((chart) => kafkaFixture(chart, { brokerMetrics: false }));
    expect(findObject(off, 'Kafka', 'meshrag').spec.kafka.metricsConfig).toBeUndefined();

    const objects = synthChart((chart) => kafkaFixture(chart));
    expect(findObject(objects, 'Kafka', 'meshrag').spec.kafka.metricsConfig).toEqual({
      type: 'jmxPrometheusExporter',
      valueFrom: {
        configMapKeyRef: { name: 'meshrag-kafka-jmx-metrics', key: 'metrics-config.yml' },
      },
    });
    const rules = findObject(objects, 'ConfigMap', 'meshrag-kafka-jmx-metrics', 'kafka').data[
      'metrics-config.yml'
    ];
    expect(rules).toBe(STRIMZI_KAFKA_METRICS_RULES);
    for (const o of objects) expect(validateManifest(o)).toEqual([]);
  });

  it('uses the JMX exporter rules Strimzi 1.2.0 ships, byte for byte (charts/strimzi-examples)', () => {
    const example = parseAllDocuments(
      readFileSync('charts/strimzi-examples/kafka-metrics.yaml', 'utf8'),
    ).map((d) => d.toJS());
    const configMap = example.find(
      (o) => o.kind === 'ConfigMap' && o.metadata.name === 'kafka-metrics',
    );
    expect(STRIMZI_KAFKA_METRICS_RULES).toBe(configMap.data['kafka-metrics-config.yml']);
    // The names Strimzi's Kafka dashboard charts come from these rules.
    expect(STRIMZI_KAFKA_METRICS_RULES).toContain('name: kafka_server_$1_$2');
  });

  it('tells the operator not to generate NetworkPolicies and renders the nodes internal ingress itself', () => {
    const objects = synthChart((chart) => kafkaFixture(chart));
    expect(findObject(objects, 'Kafka', 'meshrag', 'kafka').metadata.annotations).toEqual({
      'meshrag.io/strimzi-network-policy-generation': 'false',
      'meshrag.io/strimzi-cluster-operator-namespace': 'kafka',
    });
    const nodes = {
      'strimzi.io/cluster': 'meshrag',
      'strimzi.io/kind': 'Kafka',
      'strimzi.io/component-type': 'kafka',
    };
    const operator = { podSelector: { matchLabels: { 'strimzi.io/kind': 'cluster-operator' } } };
    const tcp = (port: number) => [{ protocol: 'TCP', port }];
    expect(
      findObject(objects, 'NetworkPolicy', 'meshrag-kafka-nodes-ingress', 'kafka').spec,
    ).toEqual({
      podSelector: { matchLabels: nodes },
      policyTypes: ['Ingress'],
      ingress: [
        { from: [{ podSelector: { matchLabels: nodes } }, operator], ports: tcp(9090) },
        {
          from: [
            operator,
            { podSelector: { matchLabels: nodes } },
            { podSelector: { matchLabels: { 'strimzi.io/name': 'meshrag-entity-operator' } } },
            { podSelector: { matchLabels: { 'strimzi.io/name': 'meshrag-kafka-exporter' } } },
          ],
          ports: tcp(9091),
        },
        { from: [operator], ports: tcp(8443) },
      ],
    });

    const elsewhere = synthChart((chart) =>
      kafkaFixture(chart, { clusterOperatorNamespace: 'strimzi' }),
    );
    const spec = findObject(
      elsewhere,
      'NetworkPolicy',
      'meshrag-kafka-nodes-ingress',
      'kafka',
    ).spec;
    expect(spec.ingress[2].from).toEqual([
      {
        podSelector: { matchLabels: { 'strimzi.io/kind': 'cluster-operator' } },
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'strimzi' } },
      },
    ]);
  });

  it('grants a metrics scrape on the Kafka Exporter and each node pool, port 9404 only', () => {
    const objects = synthChart((chart) => {
      const { kafka } = kafkaFixture(chart);
      const prometheus = MeshIdentity.fromExternal({
        namespaceName: 'monitoring',
        serviceAccountName: 'prometheus',
        podLabels: { 'app.kubernetes.io/name': 'prometheus' },
      });
      const grants = kafka.grantMetricsScrape(prometheus);
      expect(grants.map((g) => g.record)).toEqual(
        ['meshrag-kafka-exporter', 'meshrag-controller', 'meshrag-broker'].map((workload) => ({
          kind: 'tcp',
          grantee: 'cluster.local/ns/monitoring/sa/prometheus',
          target: { namespace: 'kafka', workload, port: 9404 },
        })),
      );
    });
    const broker = findObject(
      objects,
      'NetworkPolicy',
      'meshrag-broker-from-prometheus-9404',
      'kafka',
    );
    expect(broker.spec).toEqual({
      podSelector: {
        matchLabels: {
          'strimzi.io/cluster': 'meshrag',
          'strimzi.io/kind': 'Kafka',
          'strimzi.io/component-type': 'kafka',
          'strimzi.io/pool-name': 'broker',
        },
      },
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [
            {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
              podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
            },
          ],
          ports: [{ protocol: 'TCP', port: 9404 }],
        },
      ],
    });
  });
});
