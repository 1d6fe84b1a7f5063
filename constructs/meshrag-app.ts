import { Chart, type ChartProps } from 'cdk8s';
import type { Construct } from 'constructs';
import { ChromaDb } from './chroma/chroma-db.js';
import { IngestionConsumer } from './consumer/ingestion-consumer.js';
import { EmbedderService } from './embedder/embedder-service.js';
import { collectGrants } from './grants/grant.js';
import type { GrantRecord } from './grants/grant-record.js';
import { KafkaCluster } from './kafka/kafka-cluster.js';
import { LifecycleTopicSet } from './kafka/lifecycle-topic-set.js';
import { type IMeshIdentity, MeshIdentity } from './mesh/mesh-identity.js';
import { MeshNamespace } from './mesh/mesh-namespace.js';
import { MeshPeerAuthentication } from './mesh/mesh-peer-authentication.js';
import type { MeshragStackConfig } from './meshrag-stack-config.js';

export interface MeshragStackProps extends ChartProps {
  readonly config: MeshragStackConfig;
}

/**
 * Everything meshrag puts inside one cluster for one stack: the mesh baseline, Kafka with its
 * topics, Chroma, the embedder and the consumer, and the grants between them. The grants below
 * are the whole access model; anything not granted here is denied on every layer.
 */
export class MeshragStack extends Chart {
  public readonly config: MeshragStackConfig;
  public readonly appNamespace: MeshNamespace;
  public readonly kafkaNamespace: MeshNamespace;
  public readonly kafka: KafkaCluster;
  public readonly topics: LifecycleTopicSet;
  public readonly chroma: ChromaDb;
  public readonly embedder: EmbedderService;
  public readonly consumer: IngestionConsumer;
  public readonly monitoring: IMeshIdentity;

  public constructor(scope: Construct, id: string, props: MeshragStackProps) {
    super(scope, id, { ...props, disableResourceNameHashes: true });
    const config = props.config;
    this.config = config;

    new MeshPeerAuthentication(this, 'PeerAuthentication');
    // The Istio CNI plugin (installed by the deploy layer) redirects traffic without an
    // istio-init container, so nothing in the app namespace needs NET_ADMIN: enforce restricted.
    this.appNamespace = new MeshNamespace(this, 'AppNamespace', {
      name: config.namespaces.app,
      podSecurityEnforce: 'restricted',
    });
    // Strimzi's pods are not meshed and need the API server and each other; Strimzi writes
    // ingress policies for its own ports, so only ingress is denied by default here.
    this.kafkaNamespace = new MeshNamespace(this, 'KafkaNamespace', {
      name: config.namespaces.kafka,
      sidecarInjection: false,
      defaultDenyEgress: false,
    });

    this.kafka = new KafkaCluster(this, 'Kafka', {
      namespace: this.kafkaNamespace,
      userNamespace: this.appNamespace,
      name: config.kafka.clusterName,
      version: config.kafka.version,
      controllers: config.kafka.controllers,
      brokers: config.kafka.brokers,
      defaultReplicationFactor: config.kafka.defaultReplicationFactor,
      minInsyncReplicas: config.kafka.minInsyncReplicas,
    });
    this.topics = new LifecycleTopicSet(this, 'Topics', {
      cluster: this.kafka,
      plan: config.topics,
    });

    this.chroma = new ChromaDb(this, 'Chroma', {
      namespace: this.appNamespace,
      image: config.images.chroma,
      storageGiB: config.chroma.storageGiB,
      ...(config.chroma.initialStorageGiB === undefined
        ? {}
        : { initialStorageGiB: config.chroma.initialStorageGiB }),
      ...(config.chroma.storageClassName === undefined
        ? {}
        : { storageClassName: config.chroma.storageClassName }),
      ...(config.chroma.storageClassAllowsExpansion === undefined
        ? {}
        : { storageClassAllowsExpansion: config.chroma.storageClassAllowsExpansion }),
      ...(config.chroma.resources === undefined ? {} : { resources: config.chroma.resources }),
    });
    this.embedder = new EmbedderService(this, 'Embedder', {
      namespace: this.appNamespace,
      image: config.images.embedder,
      accelerator: config.embedder.accelerator,
      ...(config.embedder.gpuCount === undefined ? {} : { gpuCount: config.embedder.gpuCount }),
      minReplicas: config.embedder.minReplicas,
      maxReplicas: config.embedder.maxReplicas,
      ...(config.embedder.resources === undefined ? {} : { resources: config.embedder.resources }),
    });
    this.consumer = new IngestionConsumer(this, 'Consumer', {
      namespace: this.appNamespace,
      image: config.images.consumer,
      kafka: this.kafka,
      sourceTopic: this.topics.parsed,
      embedderUrl: this.embedder.url,
      chromaUrl: this.chroma.url,
      replicas: config.consumer.replicas,
      groupId: config.consumer.groupId,
      ...(config.consumer.resources === undefined ? {} : { resources: config.consumer.resources }),
    });
    this.monitoring = MeshIdentity.fromExternal({
      namespaceName: config.monitoring.namespace,
      serviceAccountName: config.monitoring.serviceAccountName,
      podLabels: config.monitoring.podLabels,
    });

    // The access model, by intent.
    this.embedder.grantInvoke(this.consumer);
    this.chroma.grantReadWrite(this.consumer);
    this.topics.parsed.grantConsume(this.consumer, { group: this.consumer.groupId });
    this.topics.embedded.grantProduce(this.consumer);
    this.topics.indexed.grantProduce(this.consumer);
    this.topics.failed.grantProduce(this.consumer);
    this.topics.dlq.grantProduce(this.consumer);
    this.embedder.grantMetricsScrape(this.monitoring);
    this.consumer.grantMetricsScrape(this.monitoring);
  }

  /** Every grant of the stack, as data, in construct-tree order. */
  public get grants(): readonly GrantRecord[] {
    return collectGrants(this);
  }
}
