import * as kplus from 'cdk8s-plus-33';
import { Construct } from 'constructs';
import {
  CLUSTER_OPERATOR_POD_LABELS,
  STRIMZI_CONTROLPLANE_PORT as CONTROLPLANE_PORT,
  STRIMZI_KAFKA_AGENT_PORT as KAFKA_AGENT_PORT,
  STRIMZI_REPLICATION_PORT as REPLICATION_PORT,
  strimziKafkaNodeLabels,
} from './strimzi-ingress.js';

/** Where the Kubernetes API server answers, as seen from pods. */
export interface KubernetesApiEndpoint {
  /**
   * CIDRs of the API server endpoints (`kubectl get endpoints kubernetes`). The API server is
   * not a pod, so a NetworkPolicy can only name it by address.
   * @default ['0.0.0.0/0'] - any address, on the API ports only
   */
  readonly cidrs?: readonly string[];
  /**
   * Ports of the API server endpoints: 443 on EKS, 6443 on kind and kubeadm clusters.
   * @default [443, 6443]
   */
  readonly ports?: readonly number[];
}

export interface StrimziEgressProps {
  readonly namespaceName: string;
  /** The `Kafka` resource name. */
  readonly clusterName: string;
  /** @default - any address on 443 and 6443 */
  readonly kubernetesApi?: KubernetesApiEndpoint;
  /**
   * Whether the Kafka nodes call the API server: Strimzi's init container reads the node's
   * zone label when rack awareness is on.
   * @default false
   */
  readonly kafkaNodesUseApi?: boolean;
  /**
   * Whether the cluster runs Strimzi's Kafka Exporter, which reads offsets from the brokers.
   * @default false
   */
  readonly kafkaExporter?: boolean;
  /**
   * Whether the Cluster Operator runs in this namespace (as `MeshragPlatform` installs it): it
   * watches the API server and talks to the Kafka nodes on the control-plane, replication and
   * agent ports.
   * @default false
   */
  readonly clusterOperator?: boolean;
}

/**
 * The egress a Strimzi cluster needs in a namespace that denies egress by default, and no
 * more: Kafka nodes to each other on the control-plane and replication ports; the Entity
 * Operator (and the Kafka Exporter) to the brokers' replication port; the Entity Operator to the
 * API server (it watches KafkaTopics and KafkaUsers). DNS comes from the namespace baseline.
 * When the Cluster Operator runs here too, it may reach the API server and the Kafka nodes.
 * Clients' TLS connections are ingress here; their egress is opened in their own namespace.
 * @see https://strimzi.io/docs/operators/latest/deploying#assembly-securing-access-str
 */
export class StrimziEgress extends Construct {
  public constructor(scope: Construct, id: string, props: StrimziEgressProps) {
    super(scope, id);
    const kafkaNodes = strimziKafkaNodeLabels(props.clusterName);
    const apiCidrs = props.kubernetesApi?.cidrs ?? ['0.0.0.0/0'];
    const apiPorts = props.kubernetesApi?.ports ?? [443, 6443];
    const tcp = (ports: readonly number[]) =>
      ports.map((port) => ({ protocol: 'TCP', port: kplus.k8s.IntOrString.fromNumber(port) }));
    const toApi = { to: apiCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: tcp(apiPorts) };
    const policy = (
      childId: string,
      name: string,
      podSelector: Record<string, string>,
      egress: kplus.k8s.NetworkPolicyEgressRule[],
    ) =>
      new kplus.k8s.KubeNetworkPolicy(this, childId, {
        metadata: { name, namespace: props.namespaceName },
        spec: { podSelector: { matchLabels: podSelector }, policyTypes: ['Egress'], egress },
      });

    policy('KafkaNodes', `${props.clusterName}-kafka-nodes-egress`, kafkaNodes, [
      {
        to: [{ podSelector: { matchLabels: kafkaNodes } }],
        ports: tcp([CONTROLPLANE_PORT, REPLICATION_PORT]),
      },
      ...(props.kafkaNodesUseApi === true ? [toApi] : []),
    ]);
    const components = [
      ['EntityOperator', 'entity-operator'],
      ...(props.kafkaExporter === true ? [['KafkaExporter', 'kafka-exporter'] as const] : []),
    ] as const;
    for (const [childId, component] of components) {
      policy(
        childId,
        `${props.clusterName}-${component}-egress`,
        { 'strimzi.io/name': `${props.clusterName}-${component}` },
        [
          { to: [{ podSelector: { matchLabels: kafkaNodes } }], ports: tcp([REPLICATION_PORT]) },
          ...(component === 'entity-operator' ? [toApi] : []),
        ],
      );
    }
    if (props.clusterOperator === true) {
      policy(
        'ClusterOperator',
        `${props.clusterName}-cluster-operator-egress`,
        { ...CLUSTER_OPERATOR_POD_LABELS },
        [
          {
            to: [{ podSelector: { matchLabels: kafkaNodes } }],
            ports: tcp([CONTROLPLANE_PORT, REPLICATION_PORT, KAFKA_AGENT_PORT]),
          },
          toApi,
        ],
      );
    }
  }
}
