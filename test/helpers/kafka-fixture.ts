/** A Kafka cluster with its namespaces, for construct tests. */
import type { Chart } from 'cdk8s';
import type { IKafkaClient, KafkaClientUser } from '../../constructs/kafka/kafka-client-user.js';
import { KafkaCluster, type KafkaClusterProps } from '../../constructs/kafka/kafka-cluster.js';
import type { IMeshIdentity } from '../../constructs/mesh/mesh-identity.js';
import { MeshNamespace } from '../../constructs/mesh/mesh-namespace.js';

export function kafkaFixture(chart: Chart, overrides: Partial<KafkaClusterProps> = {}) {
  const apps = new MeshNamespace(chart, 'Apps', { name: 'apps' });
  const kafkaNs = new MeshNamespace(chart, 'KafkaNs', {
    name: 'kafka',
    sidecarInjection: false,
    defaultDenyEgress: false,
  });
  const kafka = new KafkaCluster(chart, 'Kafka', {
    namespace: kafkaNs,
    userNamespace: apps,
    controllers: { replicas: 3, storageGiB: 10 },
    brokers: { replicas: 3, storageGiB: 100 },
    ...overrides,
  });
  return { apps, kafkaNs, kafka };
}

/** An identity and its KafkaUser, as the grantee of topic grants. */
export function asKafkaClient(identity: IMeshIdentity, kafkaUser: KafkaClientUser): IKafkaClient {
  return {
    namespaceName: identity.namespaceName,
    serviceAccountName: identity.serviceAccountName,
    principal: identity.principal,
    podLabels: identity.podLabels,
    egressRestricted: identity.egressRestricted,
    kafkaUser,
  };
}
