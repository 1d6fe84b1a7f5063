import { Chart, type ChartProps } from 'cdk8s';
import { Construct } from 'constructs';
import { ConsumerLagScaler } from './autoscaling/consumer-lag-scaler.js';
import { EmbedderQueueScaler } from './autoscaling/embedder-queue-scaler.js';
import { ChromaDb } from './chroma/chroma-db.js';
import { IngestionConsumer } from './consumer/ingestion-consumer.js';
import { EmbedderService } from './embedder/embedder-service.js';
import { collectGrants } from './grants/grant.js';
import type { GrantRecord } from './grants/grant-record.js';
import { KafkaClientUser } from './kafka/kafka-client-user.js';
import { KafkaCluster } from './kafka/kafka-cluster.js';
import { LifecycleTopicSet } from './kafka/lifecycle-topic-set.js';
import { type IMeshIdentity, MeshIdentity } from './mesh/mesh-identity.js';
import { type IMeshNamespace, MeshNamespace } from './mesh/mesh-namespace.js';
import { MeshPeerAuthentication } from './mesh/mesh-peer-authentication.js';
import type { MeshragStackConfig } from './meshrag-stack-config.js';
import { MeshragObservability } from './observability/meshrag-observability.js';
import { OnboardedIdentity, OnboardedProducer } from './onboarding/onboarded-identity.js';
import { validateOnboarding } from './onboarding/validate-onboarding.js';

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
  public readonly observability: MeshragObservability;
  /** Onboarded upstream services that write `documents.parsed`. */
  public readonly producers: readonly OnboardedProducer[];
  /** Onboarded RAG applications that embed queries and read Chroma. */
  public readonly readers: readonly OnboardedIdentity[];

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
    // Strimzi's pods are not meshed; egress is denied by default and the Kafka cluster opens
    // exactly what Strimzi needs (each other, the API server for the operators).
    this.kafkaNamespace = new MeshNamespace(this, 'KafkaNamespace', {
      name: config.namespaces.kafka,
      sidecarInjection: false,
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
      ...(config.kafka.rackTopologyKey === undefined
        ? {}
        : { rackTopologyKey: config.kafka.rackTopologyKey }),
      ...(config.kafka.clusterOperatorNamespace === undefined
        ? {}
        : { clusterOperatorNamespace: config.kafka.clusterOperatorNamespace }),
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
      cpuAutoscaling: config.embedder.queueDepthPerReplica === undefined,
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

    this.autoscale(config);

    this.observability = new MeshragObservability(this, 'Observability', {
      embedder: this.embedder,
      consumer: this.consumer,
      kafka: this.kafka,
      ...(config.monitoring.selectorLabels === undefined
        ? {}
        : { selectorLabels: config.monitoring.selectorLabels }),
    });

    const producers = config.producers ?? [];
    const readers = config.readers ?? [];
    validateOnboarding(
      [
        ...producers.map((p) => ({ ...p, role: 'producer' as const })),
        ...readers.map((r) => ({ ...r, role: 'reader' as const })),
      ],
      [this.embedder.workloadName, this.consumer.workloadName, this.chroma.workloadName],
    );
    this.producers = producers.map(
      (p) =>
        new OnboardedProducer(this, `Producer-${p.name}`, {
          service: p,
          namespace: this.onboardedNamespace(p.namespace),
          kafka: this.kafka,
        }),
    );
    this.readers = readers.map(
      (r) =>
        new OnboardedIdentity(this, `Reader-${r.name}`, {
          service: r,
          namespace: this.onboardedNamespace(r.namespace),
        }),
    );

    // The access model, by intent.
    this.embedder.grantInvoke(this.consumer);
    this.chroma.grantIndexWrite(this.consumer);
    this.topics.parsed.grantConsume(this.consumer, { group: this.consumer.groupId });
    this.topics.embedded.grantProduce(this.consumer);
    this.topics.indexed.grantProduce(this.consumer);
    this.topics.failed.grantProduce(this.consumer);
    this.topics.dlq.grantProduce(this.consumer);
    this.embedder.grantMetricsScrape(this.monitoring);
    this.consumer.grantMetricsScrape(this.monitoring);
    this.kafka.grantMetricsScrape(this.monitoring);
    for (const producer of this.producers) this.topics.parsed.grantProduce(producer);
    readers.forEach((reader, i) => {
      const identity = this.readers[i] as OnboardedIdentity;
      this.embedder.grantInvoke(identity, {
        ...(reader.embedderApis === undefined ? {} : { apis: reader.embedderApis }),
      });
      this.chroma.grantQuery(identity, {
        ...(reader.collection === undefined ? {} : { collection: reader.collection }),
        ...(reader.chromaOperations === undefined ? {} : { operations: reader.chromaOperations }),
      });
    });
  }

  /** KEDA: the consumer on its group's lag, the embedder on its queue depth. */
  private autoscale(config: MeshragStackConfig): void {
    const queueDepth = config.embedder.queueDepthPerReplica;
    if (queueDepth !== undefined) {
      const prometheusServerAddress = config.monitoring.prometheusUrl;
      if (prometheusServerAddress === undefined) {
        throw new Error(
          `stack ${config.name}: embedder.queueDepthPerReplica needs monitoring.prometheusUrl, where KEDA reads meshrag_embed_queue_depth`,
        );
      }
      new EmbedderQueueScaler(this, 'EmbedderScaler', {
        embedder: this.embedder,
        prometheusServerAddress,
        queueDepthPerReplica: queueDepth,
      });
    }
    const scaling = config.consumer.autoscaling;
    if (scaling === undefined) return;
    const keda = config.autoscaler ?? {
      namespace: 'keda',
      serviceAccountName: 'keda-operator',
      podLabels: { 'app.kubernetes.io/name': 'keda-operator' },
    };
    const identity = MeshIdentity.fromExternal({
      namespaceName: keda.namespace,
      serviceAccountName: keda.serviceAccountName,
      podLabels: keda.podLabels,
    });
    const holder = new Construct(this, 'KedaKafka');
    const kafkaUser = new KafkaClientUser(holder, 'KafkaUser', {
      cluster: this.kafka,
      identity,
      name: `${this.consumer.workloadName}-lag-reader`,
      // KEDA reads the Secret in the app namespace through the TriggerAuthentication.
      secretCopiedToWorkload: true,
    });
    new ConsumerLagScaler(this, 'ConsumerScaler', {
      consumer: this.consumer,
      kafka: this.kafka,
      topic: this.topics.parsed,
      scaler: { ...identity, kafkaUser },
      minReplicas: scaling.minReplicas,
      maxReplicas: scaling.maxReplicas,
      ...(scaling.lagThreshold === undefined ? {} : { lagThreshold: scaling.lagThreshold }),
    });
  }

  /**
   * The namespace of an onboarded service: meshrag's own when it is one of them, else one
   * meshrag does not own, taken to be injected (the service's principal exists only then) and
   * to allow egress (its owners decide).
   */
  private onboardedNamespace(name: string): IMeshNamespace {
    if (name === this.appNamespace.name) return this.appNamespace;
    if (name === this.kafkaNamespace.name) return this.kafkaNamespace;
    return { name, sidecarInjection: true, defaultDenyEgress: false };
  }

  /** Every grant of the stack, as data, in construct-tree order. */
  public get grants(): readonly GrantRecord[] {
    return collectGrants(this);
  }
}
