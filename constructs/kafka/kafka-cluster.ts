import { ApiObject, Lazy } from 'cdk8s';
import * as kplus from 'cdk8s-plus-33';
import { Construct } from 'constructs';
import { NAMESPACE_NAME_LABEL } from '../common/labels.js';
import { validateDns1123Label, validateInteger } from '../common/validate.js';
import {
  toQuantities,
  validateWorkloadResources,
  type WorkloadResources,
} from '../common/workload-resources.js';
import { allowNetworkAccess } from '../grants/network-access.js';
import type { IMeshIdentity } from '../mesh/mesh-identity.js';
import type { IMeshNamespace } from '../mesh/mesh-namespace.js';
import { KafkaMetricsGrant } from './kafka-metrics-grant.js';
import { KafkaNodePool, outOfMesh } from './kafka-node-pool.js';
import { type KubernetesApiEndpoint, StrimziEgress } from './strimzi-egress.js';
import {
  STRIMZI_CLUSTER_OPERATOR_NAMESPACE_ANNOTATION,
  STRIMZI_NETWORK_POLICY_GENERATION_ANNOTATION,
  StrimziIngress,
  strimziKafkaNodeLabels,
} from './strimzi-ingress.js';
import { STRIMZI_KAFKA_METRICS_RULES } from './strimzi-kafka-metrics-rules.js';

/** The Kafka versions Strimzi 1.2 runs; meshrag targets 4.3.x. */
const SUPPORTED_KAFKA_VERSION = /^4\.3\.[0-9]+$/;

export interface KafkaPoolOptions {
  readonly replicas: number;
  /** Persistent volume size per node. */
  readonly storageGiB: number;
  /** @default - the cluster's default storage class */
  readonly storageClass?: string;
  /** @default - 250m/1 GiB for controllers, 500m/2 GiB for brokers (requests = memory limits) */
  readonly resources?: WorkloadResources;
}

export interface KafkaClusterProps {
  /** Where the brokers run: a namespace without sidecar injection. */
  readonly namespace: IMeshNamespace;
  /**
   * Where client KafkaUsers (and so their certificate Secrets) live: the User Operator
   * watches this namespace, so client pods can mount their Secrets.
   */
  readonly userNamespace: IMeshNamespace;
  /**
   * The `Kafka` resource name.
   * @default 'meshrag'
   */
  readonly name?: string;
  /**
   * Kafka version, 4.3.x.
   * @default '4.3.1'
   */
  readonly version?: string;
  readonly controllers: KafkaPoolOptions;
  readonly brokers: KafkaPoolOptions;
  /**
   * `default.replication.factor`, also used for the offsets and transaction state topics.
   * @default - min(3, broker replicas)
   */
  readonly defaultReplicationFactor?: number;
  /**
   * `min.insync.replicas`; below the replication factor, so one broker may be down.
   * @default - replication factor - 1, at least 1
   */
  readonly minInsyncReplicas?: number;
  /**
   * Where the API server answers, for the egress the Entity Operator needs when the broker
   * namespace denies egress.
   * @default - any address on 443 and 6443
   */
  readonly kubernetesApi?: KubernetesApiEndpoint;
  /**
   * Rack awareness: the node label whose value is a broker's rack, so Kafka puts a partition's
   * replicas in different zones. Set it on stacks whose nodes span zones.
   * @see https://strimzi.io/docs/operators/latest/deploying#type-Rack-reference
   * @default - no rack awareness
   */
  readonly rackTopologyKey?: string;
  /**
   * Resources of each Entity Operator container (Topic Operator and User Operator).
   * @default - 100m/256 MiB requested, 512 MiB limit
   */
  readonly entityOperatorResources?: WorkloadResources;
  /**
   * Run Strimzi's Kafka Exporter (consumer group lag and offsets as Prometheus metrics, on
   * 9404); only granted scrapers reach it.
   * @default true
   */
  readonly kafkaExporter?: boolean;
  /**
   * Expose broker and controller JMX metrics on 9404 with the Prometheus JMX exporter
   * (`metricsConfig`, Strimzi's example rules in a ConfigMap); only granted scrapers reach it.
   * @default true
   */
  readonly brokerMetrics?: boolean;
  /**
   * Where the Strimzi Cluster Operator runs: it gets the control-plane, replication and agent
   * ports of the Kafka nodes (and, in this namespace, the egress it needs). The operator must run
   * with `STRIMZI_NETWORK_POLICY_GENERATION=false` (chart value `generateNetworkPolicy: false`):
   * the rendered NetworkPolicies replace the ones it would generate, which open the metrics port
   * of every Kafka node and the Kafka Exporter to every pod.
   * @default - the Kafka namespace (as `MeshragPlatform` installs it)
   */
  readonly clusterOperatorNamespace?: string;
}

/** Strimzi's metrics port on its pods. */
export const STRIMZI_METRICS_PORT = 9404;

const DEFAULT_CONTROLLER_RESOURCES: WorkloadResources = {
  cpuRequestMillis: 250,
  memoryRequestMiB: 1024,
  memoryLimitMiB: 1024,
};
const DEFAULT_BROKER_RESOURCES: WorkloadResources = {
  cpuRequestMillis: 500,
  memoryRequestMiB: 2048,
  memoryLimitMiB: 2048,
};
const DEFAULT_OPERATOR_RESOURCES: WorkloadResources = {
  cpuRequestMillis: 100,
  memoryRequestMiB: 256,
  memoryLimitMiB: 512,
};

/**
 * A Strimzi `Kafka` cluster in KRaft mode with separate controller and broker node pools.
 * Brokers stay out of the mesh; clients reach them only on a TLS listener with `tls` client
 * authentication and `simple` ACL authorization. Every NetworkPolicy of the cluster's pods is
 * rendered here ({@link StrimziIngress}, grants) and the Cluster Operator generates none (the
 * `Kafka` carries {@link STRIMZI_NETWORK_POLICY_GENERATION_ANNOTATION} `'false'`), so without a
 * grant nothing can open a connection. The listener's `networkPolicyPeers` still list exactly the
 * granted clients, for an operator that generates policies after all.
 *
 * The cluster CA certificate Secret `<cluster>-cluster-ca-cert` is created by Strimzi in the
 * broker namespace; clients in another namespace need a copy (the deploying layer does this).
 * @see https://strimzi.io/docs/operators/latest/configuring.html#type-Kafka-reference
 */
export class KafkaCluster extends Construct {
  /** The TLS listener port. */
  public static readonly TLS_PORT = 9093;

  public readonly name: string;
  public readonly namespaceName: string;
  public readonly userNamespaceName: string;
  public readonly version: string;
  public readonly brokerReplicas: number;
  public readonly defaultReplicationFactor: number;
  public readonly minInsyncReplicas: number;
  /** `host:port` of the bootstrap Service on the TLS listener. */
  public readonly bootstrapServers: string;
  /** Secret (in the broker namespace) with the cluster CA certificate, `ca.crt`. */
  public readonly clusterCaSecretName: string;
  /** Labels Strimzi puts on broker pods. */
  public readonly brokerPodLabels: Readonly<Record<string, string>>;
  /** The node label brokers take their rack from, when rack awareness is on. */
  public readonly rackTopologyKey: string | undefined;
  /** Labels of the Kafka Exporter's pods, when it runs. */
  public readonly kafkaExporterPodLabels: Readonly<Record<string, string>> | undefined;
  public readonly brokerMetrics: boolean;
  public readonly clusterOperatorNamespace: string;
  public readonly controllerPool: KafkaNodePool;
  public readonly brokerPool: KafkaNodePool;

  private readonly clients: IMeshIdentity[] = [];

  public constructor(scope: Construct, id: string, props: KafkaClusterProps) {
    super(scope, id);
    this.name = props.name ?? 'meshrag';
    this.namespaceName = props.namespace.name;
    this.userNamespaceName = props.userNamespace.name;
    this.version = props.version ?? '4.3.1';
    this.brokerReplicas = props.brokers.replicas;
    this.defaultReplicationFactor =
      props.defaultReplicationFactor ?? Math.min(3, props.brokers.replicas);
    this.minInsyncReplicas =
      props.minInsyncReplicas ?? Math.max(1, this.defaultReplicationFactor - 1);
    this.bootstrapServers = `${this.name}-kafka-bootstrap.${this.namespaceName}.svc:${KafkaCluster.TLS_PORT}`;
    this.clusterCaSecretName = `${this.name}-cluster-ca-cert`;
    this.brokerPodLabels = { 'strimzi.io/cluster': this.name, 'strimzi.io/broker-role': 'true' };
    this.rackTopologyKey = props.rackTopologyKey;
    this.kafkaExporterPodLabels =
      (props.kafkaExporter ?? true)
        ? { 'strimzi.io/name': `${this.name}-kafka-exporter` }
        : undefined;
    this.brokerMetrics = props.brokerMetrics ?? true;
    this.clusterOperatorNamespace = props.clusterOperatorNamespace ?? this.namespaceName;
    validateDns1123Label(
      `Kafka '${this.name}' clusterOperatorNamespace`,
      this.clusterOperatorNamespace,
    );
    const operatorResources = props.entityOperatorResources ?? DEFAULT_OPERATOR_RESOURCES;
    validateWorkloadResources(`Kafka '${this.name}' entity operator`, operatorResources);

    validateDns1123Label('Kafka cluster name', this.name);
    if (props.namespace.sidecarInjection) {
      throw new Error(
        `Kafka '${this.name}': namespace '${this.namespaceName}' injects Istio sidecars, which Strimzi does not support; use a namespace with sidecarInjection: false`,
      );
    }
    if (!SUPPORTED_KAFKA_VERSION.test(this.version)) {
      throw new Error(
        `Kafka '${this.name}': version '${this.version}' is not a Kafka 4.3.x release (Strimzi 1.2)`,
      );
    }
    validateInteger(`Kafka '${this.name}' controllers.replicas`, props.controllers.replicas, 1);
    validateInteger(`Kafka '${this.name}' brokers.replicas`, props.brokers.replicas, 1);
    validateInteger(
      `Kafka '${this.name}' default.replication.factor`,
      this.defaultReplicationFactor,
      1,
      this.brokerReplicas,
    );
    validateMinInsyncReplicas(
      `Kafka '${this.name}'`,
      this.minInsyncReplicas,
      this.defaultReplicationFactor,
    );

    this.controllerPool = new KafkaNodePool(this, 'Controllers', {
      clusterName: this.name,
      namespaceName: this.namespaceName,
      name: 'controller',
      role: 'controller',
      ...props.controllers,
      resources: props.controllers.resources ?? DEFAULT_CONTROLLER_RESOURCES,
    });
    this.brokerPool = new KafkaNodePool(this, 'Brokers', {
      clusterName: this.name,
      namespaceName: this.namespaceName,
      name: 'broker',
      role: 'broker',
      ...props.brokers,
      resources: props.brokers.resources ?? DEFAULT_BROKER_RESOURCES,
    });

    if (props.namespace.defaultDenyEgress) {
      new StrimziEgress(this, 'Egress', {
        namespaceName: this.namespaceName,
        clusterName: this.name,
        // Strimzi's init container reads the node's zone label from the API server.
        kafkaNodesUseApi: this.rackTopologyKey !== undefined,
        kafkaExporter: this.kafkaExporterPodLabels !== undefined,
        clusterOperator: this.clusterOperatorNamespace === this.namespaceName,
        ...(props.kubernetesApi === undefined ? {} : { kubernetesApi: props.kubernetesApi }),
      });
    }
    new StrimziIngress(this, 'Ingress', {
      namespaceName: this.namespaceName,
      clusterName: this.name,
      clusterOperatorNamespace: this.clusterOperatorNamespace,
      kafkaExporter: this.kafkaExporterPodLabels !== undefined,
    });

    const rf = this.defaultReplicationFactor;
    new ApiObject(this, 'Resource', {
      apiVersion: 'kafka.strimzi.io/v1',
      kind: 'Kafka',
      metadata: {
        name: this.name,
        namespace: this.namespaceName,
        annotations: {
          [STRIMZI_NETWORK_POLICY_GENERATION_ANNOTATION]: 'false',
          [STRIMZI_CLUSTER_OPERATOR_NAMESPACE_ANNOTATION]: this.clusterOperatorNamespace,
        },
      },
      spec: {
        kafka: {
          version: this.version,
          listeners: [
            {
              name: 'tls',
              port: KafkaCluster.TLS_PORT,
              type: 'internal',
              tls: true,
              authentication: { type: 'tls' },
              networkPolicyPeers: Lazy.any({ produce: () => this.networkPolicyPeers() }),
            },
          ],
          authorization: { type: 'simple' },
          ...(this.rackTopologyKey === undefined
            ? {}
            : { rack: { topologyKey: this.rackTopologyKey } }),
          config: {
            'auto.create.topics.enable': false,
            'default.replication.factor': rf,
            'min.insync.replicas': this.minInsyncReplicas,
            'offsets.topic.replication.factor': rf,
            'transaction.state.log.replication.factor': rf,
            'transaction.state.log.min.isr': this.minInsyncReplicas,
          },
          template: { pod: { metadata: outOfMesh() } },
          ...(this.brokerMetrics
            ? {
                metricsConfig: {
                  type: 'jmxPrometheusExporter',
                  valueFrom: {
                    configMapKeyRef: { name: this.jmxMetricsConfigMap(), key: JMX_CONFIG_KEY },
                  },
                },
              }
            : {}),
        },
        ...(this.kafkaExporterPodLabels === undefined
          ? {}
          : {
              kafkaExporter: {
                topicRegex: '.*',
                groupRegex: '.*',
                resources: toQuantities(operatorResources),
                template: { pod: { metadata: outOfMesh() } },
              },
            }),
        entityOperator: {
          topicOperator: { resources: toQuantities(operatorResources) },
          userOperator: {
            watchedNamespace: this.userNamespaceName,
            resources: toQuantities(operatorResources),
          },
          template: { pod: { metadata: outOfMesh() } },
        },
      },
    });
  }

  /**
   * Lets the grantee scrape Strimzi's metrics port (9404): the Kafka Exporter (consumer group
   * lag) and, with `brokerMetrics`, every Kafka node pool (JMX metrics). One grant per workload.
   */
  public grantMetricsScrape(grantee: IMeshIdentity): KafkaMetricsGrant[] {
    const targets: (readonly [string, Readonly<Record<string, string>>])[] = [
      ...(this.kafkaExporterPodLabels === undefined
        ? []
        : [[`${this.name}-kafka-exporter`, this.kafkaExporterPodLabels] as const]),
      ...(this.brokerMetrics
        ? [this.controllerPool, this.brokerPool].map(
            (pool) =>
              [
                `${this.name}-${pool.name}`,
                { ...strimziKafkaNodeLabels(this.name), 'strimzi.io/pool-name': pool.name },
              ] as const,
          )
        : []),
    ];
    return targets.map(
      ([workloadName, podLabels]) =>
        new KafkaMetricsGrant(
          this,
          `Metrics-${workloadName}-${grantee.namespaceName}-${grantee.serviceAccountName}`,
          {
            namespaceName: this.namespaceName,
            workloadName,
            podLabels,
            port: STRIMZI_METRICS_PORT,
            grantee,
          },
        ),
    );
  }

  /** The JMX exporter rules, in a ConfigMap next to the brokers. */
  private jmxMetricsConfigMap(): string {
    const name = `${this.name}-kafka-jmx-metrics`;
    new kplus.k8s.KubeConfigMap(this, 'JmxMetrics', {
      metadata: { name, namespace: this.namespaceName },
      data: { [JMX_CONFIG_KEY]: STRIMZI_KAFKA_METRICS_RULES },
    });
    return name;
  }

  /**
   * Lets a client open TCP connections to the brokers' TLS listener: the listener's
   * `networkPolicyPeers`, a matching NetworkPolicy, and egress for the client. Who may do
   * what once connected is up to the KafkaUser ACLs. Idempotent.
   */
  public allowClient(client: IMeshIdentity): void {
    if (!this.clients.some((c) => c.principal === client.principal)) {
      this.clients.push(client);
    }
    allowNetworkAccess(this, client, {
      namespaceName: this.namespaceName,
      name: `${this.name}-kafka`,
      podLabels: this.brokerPodLabels,
      port: KafkaCluster.TLS_PORT,
    });
  }

  /**
   * Strimzi opens a listener to everyone when it has no peers, so with no client granted the
   * list holds one peer that selects no pod.
   */
  private networkPolicyPeers(): kplus.k8s.NetworkPolicyPeer[] {
    if (this.clients.length === 0) {
      return [{ podSelector: { matchLabels: { 'meshrag.io/kafka-client': 'none-granted' } } }];
    }
    return this.clients.map((c) => ({
      namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: c.namespaceName } },
      podSelector: { matchLabels: { ...c.podLabels } },
    }));
  }
}

/**
 * `min.insync.replicas` must leave room for one replica to be down: below the replication
 * factor when there is more than one replica, and never above it.
 */
export function validateMinInsyncReplicas(
  owner: string,
  minInsyncReplicas: number,
  replicas: number,
): void {
  validateInteger(`${owner} min.insync.replicas`, minInsyncReplicas, 1);
  if (minInsyncReplicas > replicas || (replicas > 1 && minInsyncReplicas >= replicas)) {
    throw new Error(
      `${owner}: min.insync.replicas (${minInsyncReplicas}) must be below the replica count (${replicas}), or producers with acks=all stop when one broker is down`,
    );
  }
}

const JMX_CONFIG_KEY = 'metrics-config.yml';
