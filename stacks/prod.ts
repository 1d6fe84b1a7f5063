import {
  PRODUCTION_TOPIC_SETTINGS,
  uniformTopicPlan,
} from '../constructs/kafka/kafka-topic-plan.js';
import {
  DEFAULT_IMAGES,
  DEFAULT_MONITORING,
  DEFAULT_NAMESPACES,
  KAFKA_VERSION,
} from './defaults.js';
import type { StackConfig } from './stack-config.js';

/** EKS: 3 controllers, 3 brokers, the production topic plan, embedder on GPU nodes. */
export const prod: StackConfig = {
  name: 'prod',
  namespaces: DEFAULT_NAMESPACES,
  images: DEFAULT_IMAGES,
  kafka: {
    clusterName: 'meshrag',
    version: KAFKA_VERSION,
    controllers: {
      replicas: 3,
      storageGiB: 20,
      resources: { cpuRequestMillis: 500, memoryRequestMiB: 1024, memoryLimitMiB: 1024 },
    },
    brokers: {
      replicas: 3,
      storageGiB: 500,
      resources: { cpuRequestMillis: 2000, memoryRequestMiB: 8192, memoryLimitMiB: 8192 },
    },
    defaultReplicationFactor: 3,
    minInsyncReplicas: 2,
    // Nodes span availability zones: one replica of each partition per zone.
    rackTopologyKey: 'topology.kubernetes.io/zone',
  },
  topics: uniformTopicPlan(PRODUCTION_TOPIC_SETTINGS),
  embedder: {
    accelerator: 'gpu',
    gpuCount: 1,
    minReplicas: 2,
    maxReplicas: 6,
    resources: { cpuRequestMillis: 2000, memoryRequestMiB: 4096, memoryLimitMiB: 8192 },
    // GPU pods: the queue, not CPU, says when the model is the bottleneck.
    queueDepthPerReplica: 64,
  },
  consumer: {
    replicas: 6,
    groupId: 'meshrag-ingest',
    autoscaling: { minReplicas: 2, maxReplicas: 12, lagThreshold: 500 },
    resources: { cpuRequestMillis: 500, memoryRequestMiB: 512, memoryLimitMiB: 1024 },
  },
  chroma: {
    storageGiB: 200,
    resources: { cpuRequestMillis: 2000, memoryRequestMiB: 8192, memoryLimitMiB: 16384 },
  },
  monitoring: DEFAULT_MONITORING,
  deploy: {
    cluster: {
      provider: 'eks',
      nodeInstanceTypes: ['m6i.2xlarge'],
      nodeMinSize: 3,
      nodeMaxSize: 9,
      nodeDesiredSize: 3,
    },
    gpuNodePool: { instanceTypes: ['g5.xlarge'], minSize: 2, maxSize: 6, desiredSize: 2 },
    images: { source: 'build', registry: 'ecr' },
    skipAwait: false,
  },
};
