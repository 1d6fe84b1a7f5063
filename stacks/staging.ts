import { uniformTopicPlan } from '../constructs/kafka/kafka-topic-plan.js';
import {
  DAY_MS,
  DEFAULT_IMAGES,
  DEFAULT_MONITORING,
  DEFAULT_NAMESPACES,
  KAFKA_VERSION,
} from './defaults.js';
import type { StackConfig } from './stack-config.js';

/** Production's shape (3 brokers, replication 3) on CPUs, with fewer partitions. */
export const staging: StackConfig = {
  name: 'staging',
  namespaces: DEFAULT_NAMESPACES,
  images: DEFAULT_IMAGES,
  kafka: {
    clusterName: 'meshrag',
    version: KAFKA_VERSION,
    controllers: { replicas: 3, storageGiB: 10 },
    brokers: {
      replicas: 3,
      storageGiB: 50,
      resources: { cpuRequestMillis: 500, memoryRequestMiB: 2048, memoryLimitMiB: 2048 },
    },
    defaultReplicationFactor: 3,
    minInsyncReplicas: 2,
    // Nodes span availability zones: one replica of each partition per zone.
    rackTopologyKey: 'topology.kubernetes.io/zone',
  },
  topics: uniformTopicPlan({
    partitions: 6,
    replicas: 3,
    retentionMs: 3 * DAY_MS,
    minInsyncReplicas: 2,
  }),
  embedder: { accelerator: 'cpu', minReplicas: 2, maxReplicas: 4, queueDepthPerReplica: 64 },
  consumer: {
    replicas: 2,
    groupId: 'meshrag-ingest',
    autoscaling: { minReplicas: 2, maxReplicas: 6, lagThreshold: 500 },
  },
  chroma: { storageGiB: 20 },
  monitoring: DEFAULT_MONITORING,
  deploy: {
    cluster: {
      provider: 'eks',
      nodeInstanceTypes: ['m6i.xlarge'],
      nodeMinSize: 3,
      nodeMaxSize: 6,
      nodeDesiredSize: 3,
    },
    images: { source: 'build', registry: 'ecr' },
    skipAwait: false,
  },
};
