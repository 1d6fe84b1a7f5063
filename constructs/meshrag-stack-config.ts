/**
 * Everything in the cluster that differs between stacks, as typed data: the props of
 * `MeshragStack`. Constructs read nothing else (no environment variables, no mode flags, no
 * `stacks/`), so a stack renders the same everywhere; the caller passes the config in.
 */
import type { WorkloadResources } from './common/workload-resources.js';
import type { EmbedderAccelerator } from './embedder/embedder-service.js';
import type { KafkaPoolOptions } from './kafka/kafka-cluster.js';
import type { KafkaTopicPlan } from './kafka/kafka-topic-plan.js';
import type { ProducerConfig, ReaderConfig } from './onboarding/onboarded-service.js';

export interface MeshragStackConfig {
  /** The stack name (`dev`, `staging`, `prod`). */
  readonly name: string;
  readonly namespaces: {
    /** Meshed namespace of the embedder, consumer and Chroma. */
    readonly app: string;
    /** Namespace of the Kafka brokers (not meshed). */
    readonly kafka: string;
  };
  /** Container images, pinned by tag or digest; a Pulumi program may feed resolved digests. */
  readonly images: {
    readonly embedder: string;
    readonly consumer: string;
    readonly chroma: string;
  };
  readonly kafka: {
    /** The `Kafka` resource name. */
    readonly clusterName: string;
    /** Kafka 4.3.x. */
    readonly version: string;
    readonly controllers: KafkaPoolOptions;
    readonly brokers: KafkaPoolOptions;
    readonly defaultReplicationFactor: number;
    readonly minInsyncReplicas: number;
    /**
     * Node label for rack awareness; set on stacks whose nodes span zones.
     * @default - none
     */
    readonly rackTopologyKey?: string;
    /**
     * Where the Strimzi Cluster Operator runs (started with `generateNetworkPolicy: false`).
     * @default - the Kafka namespace, where `MeshragPlatform` installs it
     */
    readonly clusterOperatorNamespace?: string;
  };
  readonly topics: KafkaTopicPlan;
  readonly embedder: {
    readonly accelerator: EmbedderAccelerator;
    /** Only with `accelerator: 'gpu'`. */
    readonly gpuCount?: number;
    readonly minReplicas: number;
    readonly maxReplicas: number;
    readonly resources?: WorkloadResources;
    /**
     * Scale on the embedder's queue depth (inputs waiting per replica) with KEDA instead of
     * CPU; needs `monitoring.prometheusUrl`.
     * @default - a CPU HorizontalPodAutoscaler
     */
    readonly queueDepthPerReplica?: number;
  };
  readonly consumer: {
    /** Pods; with `autoscaling`, the count before KEDA takes over (ignored then). */
    readonly replicas: number;
    readonly groupId: string;
    readonly resources?: WorkloadResources;
    /**
     * Scale on the group's lag with KEDA; `maxReplicas` at most the partitions.
     * @default - a fixed replica count
     */
    readonly autoscaling?: {
      readonly minReplicas: number;
      readonly maxReplicas: number;
      readonly lagThreshold?: number;
    };
  };
  /**
   * The KEDA operator, which reads the consumer's lag from Kafka with its own KafkaUser.
   * @default - namespace `keda`, ServiceAccount `keda-operator`
   */
  readonly autoscaler?: {
    readonly namespace: string;
    readonly serviceAccountName: string;
    readonly podLabels: Readonly<Record<string, string>>;
  };
  readonly chroma: {
    /** Size of Chroma's data volume; may grow on a deployed stack, never shrink. */
    readonly storageGiB: number;
    /**
     * The size the volume was created with, kept by the immutable claim template; set it to the
     * old `storageGiB` when raising `storageGiB` (see `ChromaDbProps.initialStorageGiB`).
     */
    readonly initialStorageGiB?: number;
    readonly storageClassName?: string;
    /** Whether the storage class has `allowVolumeExpansion: true`; needed to grow the volume. */
    readonly storageClassAllowsExpansion?: boolean;
    readonly resources?: WorkloadResources;
  };
  /** The cluster's Prometheus, which gets the metrics-scrape grants. */
  readonly monitoring: {
    readonly namespace: string;
    readonly serviceAccountName: string;
    readonly podLabels: Readonly<Record<string, string>>;
    /**
     * Labels its Prometheus selects ServiceMonitors, PodMonitors and PrometheusRules by.
     * @default - none
     */
    readonly selectorLabels?: Readonly<Record<string, string>>;
    /**
     * Base URL of its Prometheus API, for KEDA's Prometheus trigger.
     * @default - none
     */
    readonly prometheusUrl?: string;
  };
  /**
   * Upstream services that write to `documents.parsed`: each gets a `tls` KafkaUser with
   * Write/Describe on that topic only, and a path to the TLS listener.
   * @default - none
   */
  readonly producers?: readonly ProducerConfig[];
  /**
   * RAG applications: each may call the embedder and read one Chroma collection.
   * @default - none
   */
  readonly readers?: readonly ReaderConfig[];
}
