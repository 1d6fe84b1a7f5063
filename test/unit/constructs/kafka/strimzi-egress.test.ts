import { describe, expect, it } from 'vitest';
import { KafkaCluster } from '../../../../constructs/kafka/kafka-cluster.js';
import { StrimziEgress } from '../../../../constructs/kafka/strimzi-egress.js';
import { MeshNamespace } from '../../../../constructs/mesh/mesh-namespace.js';
import { validateManifest } from '../../../helpers/manifest-schemas.js';
import { findObject, objectsOfKind, synthChart } from '../../../helpers/synth-chart.js';

const KAFKA_NODES = {
  'strimzi.io/cluster': 'meshrag',
  'strimzi.io/kind': 'Kafka',
  'strimzi.io/component-type': 'kafka',
};

describe('StrimziEgress', { timeout: 30_000 }, () => {
  it('opens node-to-node control plane and replication, and the Entity Operator to the brokers and the API server', () => {
    const objects = synthChart((chart) => {
      new StrimziEgress(chart, 'Egress', { namespaceName: 'kafka', clusterName: 'meshrag' });
    });

    expect(
      findObject(objects, 'NetworkPolicy', 'meshrag-kafka-nodes-egress', 'kafka').spec,
    ).toEqual({
      podSelector: { matchLabels: KAFKA_NODES },
      policyTypes: ['Egress'],
      egress: [
        {
          to: [{ podSelector: { matchLabels: KAFKA_NODES } }],
          ports: [
            { protocol: 'TCP', port: 9090 },
            { protocol: 'TCP', port: 9091 },
          ],
        },
      ],
    });
    expect(findObject(objects, 'NetworkPolicy', 'meshrag-entity-operator-egress').spec).toEqual({
      podSelector: { matchLabels: { 'strimzi.io/name': 'meshrag-entity-operator' } },
      policyTypes: ['Egress'],
      egress: [
        {
          to: [{ podSelector: { matchLabels: KAFKA_NODES } }],
          ports: [{ protocol: 'TCP', port: 9091 }],
        },
        {
          to: [{ ipBlock: { cidr: '0.0.0.0/0' } }],
          ports: [
            { protocol: 'TCP', port: 443 },
            { protocol: 'TCP', port: 6443 },
          ],
        },
      ],
    });
    expect(objectsOfKind(objects, 'NetworkPolicy')).toHaveLength(2);
    for (const o of objects) expect(validateManifest(o)).toEqual([]);
  });

  it('opens the API server to the nodes only for rack awareness, narrows it to given CIDRs, and adds the Kafka Exporter', () => {
    const objects = synthChart((chart) => {
      new StrimziEgress(chart, 'Egress', {
        namespaceName: 'kafka',
        clusterName: 'meshrag',
        kafkaNodesUseApi: true,
        kafkaExporter: true,
        kubernetesApi: { cidrs: ['10.0.0.1/32'], ports: [443] },
      });
    });

    const api = {
      to: [{ ipBlock: { cidr: '10.0.0.1/32' } }],
      ports: [{ protocol: 'TCP', port: 443 }],
    };
    expect(
      findObject(objects, 'NetworkPolicy', 'meshrag-kafka-nodes-egress').spec.egress[1],
    ).toEqual(api);
    expect(
      findObject(objects, 'NetworkPolicy', 'meshrag-entity-operator-egress').spec.egress[1],
    ).toEqual(api);
    expect(
      findObject(objects, 'NetworkPolicy', 'meshrag-kafka-exporter-egress').spec.egress,
    ).toEqual([
      {
        to: [{ podSelector: { matchLabels: KAFKA_NODES } }],
        ports: [{ protocol: 'TCP', port: 9091 }],
      },
    ]);
  });

  it('is what a Kafka cluster adds in a namespace that denies egress, and only there', () => {
    const names = (defaultDenyEgress: boolean) =>
      objectsOfKind(
        synthChart((chart) => {
          const apps = new MeshNamespace(chart, 'Apps', { name: 'apps' });
          const ns = new MeshNamespace(chart, 'Ns', {
            name: 'kafka',
            sidecarInjection: false,
            defaultDenyEgress,
          });
          new KafkaCluster(chart, 'Kafka', {
            namespace: ns,
            userNamespace: apps,
            controllers: { replicas: 1, storageGiB: 1 },
            brokers: { replicas: 1, storageGiB: 1 },
            kafkaExporter: false,
          });
        }),
        'NetworkPolicy',
      )
        .filter((o) => o.metadata.namespace === 'kafka')
        .map((o) => o.metadata.name)
        .sort();
    expect(names(true)).toEqual([
      'allow-dns-egress',
      'default-deny',
      'meshrag-cluster-operator-egress',
      'meshrag-entity-operator-egress',
      'meshrag-kafka-nodes-egress',
      'meshrag-kafka-nodes-ingress',
    ]);
    expect(names(false)).toEqual(['default-deny', 'meshrag-kafka-nodes-ingress']);
  });

  it('lets the Cluster Operator in the namespace reach the nodes and the API server, and only then', () => {
    const objects = synthChart((chart) => {
      new StrimziEgress(chart, 'Egress', {
        namespaceName: 'kafka',
        clusterName: 'meshrag',
        clusterOperator: true,
      });
    });
    expect(findObject(objects, 'NetworkPolicy', 'meshrag-cluster-operator-egress').spec).toEqual({
      podSelector: { matchLabels: { 'strimzi.io/kind': 'cluster-operator' } },
      policyTypes: ['Egress'],
      egress: [
        {
          to: [{ podSelector: { matchLabels: KAFKA_NODES } }],
          ports: [
            { protocol: 'TCP', port: 9090 },
            { protocol: 'TCP', port: 9091 },
            { protocol: 'TCP', port: 8443 },
          ],
        },
        {
          to: [{ ipBlock: { cidr: '0.0.0.0/0' } }],
          ports: [
            { protocol: 'TCP', port: 443 },
            { protocol: 'TCP', port: 6443 },
          ],
        },
      ],
    });
    for (const o of objects) expect(validateManifest(o)).toEqual([]);
  });
});
