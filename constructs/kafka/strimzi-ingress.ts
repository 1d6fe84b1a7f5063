import * as kplus from 'cdk8s-plus-33';
import { Construct } from 'constructs';
import { NAMESPACE_NAME_LABEL } from '../common/labels.js';

/**
 * Names, on the `Kafka` resource, the Cluster Operator setting its manifests were rendered for:
 * `'false'` says the operator runs with `STRIMZI_NETWORK_POLICY_GENERATION=false` and the
 * rendered NetworkPolicies are the whole ingress of the cluster's pods. The reachability
 * analysis reads it; the deploying layer installs the operator to match.
 */
export const STRIMZI_NETWORK_POLICY_GENERATION_ANNOTATION =
  'meshrag.io/strimzi-network-policy-generation';

/** On the `Kafka` resource: the namespace its Cluster Operator runs in, for the analysis. */
export const STRIMZI_CLUSTER_OPERATOR_NAMESPACE_ANNOTATION =
  'meshrag.io/strimzi-cluster-operator-namespace';

/** Strimzi's internal ports: KRaft control plane, replication (also used by the operators), agent. */
export const STRIMZI_CONTROLPLANE_PORT = 9090;
export const STRIMZI_REPLICATION_PORT = 9091;
export const STRIMZI_KAFKA_AGENT_PORT = 8443;

/** Labels of the Cluster Operator's pods (the chart's Deployment template). */
export const CLUSTER_OPERATOR_POD_LABELS: Readonly<Record<string, string>> = {
  'strimzi.io/kind': 'cluster-operator',
};

export interface StrimziIngressProps {
  readonly namespaceName: string;
  /** The `Kafka` resource name. */
  readonly clusterName: string;
  /** Where the Cluster Operator runs. */
  readonly clusterOperatorNamespace: string;
  /**
   * Whether the cluster runs Strimzi's Kafka Exporter, which reads offsets on the replication port.
   * @default false
   */
  readonly kafkaExporter?: boolean;
}

/**
 * The ingress Strimzi's own components need on the Kafka nodes, in place of the NetworkPolicy
 * the Cluster Operator generates (`KafkaCluster.generateNetworkPolicy` in Strimzi 1.2), with the
 * same internal rules: the control plane (9090) from the nodes and the Cluster Operator,
 * replication (9091) from the nodes, the Cluster Operator, the Entity Operator and the Kafka
 * Exporter, the agent (8443) from the Cluster Operator. What Strimzi's policy also opens (every
 * listener without `networkPolicyPeers`, and the metrics port 9404 to every pod) is left to
 * grants: `KafkaCluster.allowClient` for the listener, `grantMetricsScrape` for metrics. The
 * Entity Operator's and Kafka Exporter's generated policies only open their health and metrics
 * ports to all; kubelet probes need no policy, metrics come from grants.
 * @see https://github.com/strimzi/strimzi-kafka-operator/blob/1.2.0/cluster-operator/src/main/java/io/strimzi/operator/cluster/model/KafkaCluster.java
 * @see https://strimzi.io/docs/operators/latest/deploying#ref-operator-cluster-str (STRIMZI_NETWORK_POLICY_GENERATION)
 */
export class StrimziIngress extends Construct {
  public constructor(scope: Construct, id: string, props: StrimziIngressProps) {
    super(scope, id);
    const kafkaNodes = strimziKafkaNodeLabels(props.clusterName);
    const tcp = (port: number) => [
      { protocol: 'TCP', port: kplus.k8s.IntOrString.fromNumber(port) },
    ];
    const clusterOperator: kplus.k8s.NetworkPolicyPeer = {
      podSelector: { matchLabels: { ...CLUSTER_OPERATOR_POD_LABELS } },
      ...(props.clusterOperatorNamespace === props.namespaceName
        ? {}
        : {
            namespaceSelector: {
              matchLabels: { [NAMESPACE_NAME_LABEL]: props.clusterOperatorNamespace },
            },
          }),
    };
    const nodes: kplus.k8s.NetworkPolicyPeer = { podSelector: { matchLabels: kafkaNodes } };
    const component = (name: string): kplus.k8s.NetworkPolicyPeer => ({
      podSelector: { matchLabels: { 'strimzi.io/name': `${props.clusterName}-${name}` } },
    });
    new kplus.k8s.KubeNetworkPolicy(this, 'KafkaNodes', {
      metadata: {
        name: `${props.clusterName}-kafka-nodes-ingress`,
        namespace: props.namespaceName,
      },
      spec: {
        podSelector: { matchLabels: kafkaNodes },
        policyTypes: ['Ingress'],
        ingress: [
          { from: [nodes, clusterOperator], ports: tcp(STRIMZI_CONTROLPLANE_PORT) },
          {
            from: [
              clusterOperator,
              nodes,
              component('entity-operator'),
              ...(props.kafkaExporter === true ? [component('kafka-exporter')] : []),
            ],
            ports: tcp(STRIMZI_REPLICATION_PORT),
          },
          { from: [clusterOperator], ports: tcp(STRIMZI_KAFKA_AGENT_PORT) },
        ],
      },
    });
  }
}

/** Labels Strimzi puts on every Kafka node (controller or broker) of a cluster. */
export function strimziKafkaNodeLabels(clusterName: string): Record<string, string> {
  return {
    'strimzi.io/cluster': clusterName,
    'strimzi.io/kind': 'Kafka',
    'strimzi.io/component-type': 'kafka',
  };
}
