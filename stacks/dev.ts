import { uniformTopicPlan } from '../constructs/kafka/kafka-topic-plan.js';
import {
  DAY_MS,
  DEFAULT_IMAGES,
  DEFAULT_MONITORING,
  DEFAULT_NAMESPACES,
  KAFKA_VERSION,
} from './defaults.js';
import type { StackConfig } from './stack-config.js';

/** A laptop or kind cluster: one of everything, CPU only, replication 1. */
export const dev: StackConfig = {
  name: 'dev',
  namespaces: DEFAULT_NAMESPACES,
  images: DEFAULT_IMAGES,
  kafka: {
    clusterName: 'meshrag',
    version: KAFKA_VERSION,
    controllers: { replicas: 1, storageGiB: 5 },
    brokers: { replicas: 1, storageGiB: 10 },
    defaultReplicationFactor: 1,
    minInsyncReplicas: 1,
  },
  topics: uniformTopicPlan({
    partitions: 3,
    replicas: 1,
    retentionMs: 1 * DAY_MS,
    minInsyncReplicas: 1,
  }),
  embedder: { accelerator: 'cpu', minReplicas: 1, maxReplicas: 1 },
  consumer: { replicas: 1, groupId: 'meshrag-ingest' },
  chroma: { storageGiB: 5 },
  monitoring: DEFAULT_MONITORING,
  deploy: {
    cluster: { provider: 'kubeconfig' },
    images: { source: 'prebuilt' },
    skipAwait: false,
  },
  // Examples of onboarding: an upstream parser that writes documents.parsed, and a RAG app
  // that embeds questions and queries the meshrag collection.
  producers: [
    { name: 'example-parser', namespace: 'ingest-demo', serviceAccount: 'example-parser' },
  ],
  readers: [{ name: 'example-rag', namespace: 'rag-demo', serviceAccount: 'example-rag' }],
};
