import { ApiObject, JsonPatch } from 'cdk8s';
import { Construct } from 'constructs';
import { validateInteger } from '../common/validate.js';
import type { IngestionConsumer } from '../consumer/ingestion-consumer.js';
import type { IKafkaClient } from '../kafka/kafka-client-user.js';
import type { KafkaCluster } from '../kafka/kafka-cluster.js';
import type { KafkaTopic } from '../kafka/kafka-topic.js';

export interface ConsumerLagScalerProps {
  readonly consumer: IngestionConsumer;
  readonly kafka: KafkaCluster;
  /** The topic the consumer's group reads; its partitions cap the replicas. */
  readonly topic: KafkaTopic;
  /**
   * KEDA's identity towards Kafka: a KafkaUser KEDA's operator authenticates as (its Secret,
   * in the consumer's namespace, is what the TriggerAuthentication names). It gets Describe on
   * the topic and the group, nothing else.
   */
  readonly scaler: IKafkaClient;
  readonly minReplicas: number;
  /** At most the topic's partitions: an extra consumer in a group sits idle. */
  readonly maxReplicas: number;
  /**
   * Records of lag per replica KEDA aims for.
   * @default 500
   */
  readonly lagThreshold?: number;
}

/**
 * A KEDA ScaledObject that sizes the consumer Deployment by its group's lag on the source
 * topic, read over the TLS listener with KEDA's own KafkaUser (a TriggerAuthentication with
 * the cluster CA and the user's certificate, never a plaintext listener). The Deployment's
 * `replicas` is dropped so KEDA's HPA alone owns it.
 * @see https://keda.sh/docs/latest/scalers/apache-kafka/
 */
export class ConsumerLagScaler extends Construct {
  public readonly minReplicas: number;
  public readonly maxReplicas: number;

  public constructor(scope: Construct, id: string, props: ConsumerLagScalerProps) {
    super(scope, id);
    const { consumer, topic } = props;
    this.minReplicas = props.minReplicas;
    this.maxReplicas = props.maxReplicas;
    const lagThreshold = props.lagThreshold ?? 500;
    validateInteger('ConsumerLagScaler minReplicas', this.minReplicas, 1);
    validateInteger('ConsumerLagScaler maxReplicas', this.maxReplicas, this.minReplicas);
    validateInteger('ConsumerLagScaler lagThreshold', lagThreshold, 1);
    if (this.maxReplicas > topic.partitions) {
      throw new Error(
        `ConsumerLagScaler: maxReplicas ${this.maxReplicas} but topic ${topic.topicName} has ${topic.partitions} partitions; consumers past ${topic.partitions} in group ${consumer.groupId} would sit idle. Lower maxReplicas or raise partitions`,
      );
    }

    topic.grantDescribeLag(props.scaler, { group: consumer.groupId });
    const namespace = consumer.namespace.name;
    const authName = `${consumer.workloadName}-kafka-lag`;
    new ApiObject(this, 'TriggerAuthentication', {
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'TriggerAuthentication',
      metadata: { name: authName, namespace },
      spec: {
        secretTargetRef: [
          { parameter: 'ca', name: props.kafka.clusterCaSecretName, key: 'ca.crt' },
          { parameter: 'cert', name: props.scaler.kafkaUser.secretName, key: 'user.crt' },
          { parameter: 'key', name: props.scaler.kafkaUser.secretName, key: 'user.key' },
        ],
      },
    });
    new ApiObject(this, 'Resource', {
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      metadata: { name: consumer.workloadName, namespace },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: consumer.workloadName },
        minReplicaCount: this.minReplicas,
        maxReplicaCount: this.maxReplicas,
        triggers: [
          {
            type: 'kafka',
            metadata: {
              bootstrapServers: props.kafka.bootstrapServers,
              consumerGroup: consumer.groupId,
              topic: topic.topicName,
              lagThreshold: String(lagThreshold),
              tls: 'enable',
              // Never scale past the partitions, whatever the lag.
              allowIdleConsumers: 'false',
            },
            authenticationRef: { name: authName },
          },
        ],
      },
    });
    ApiObject.of(consumer.deployment).addJsonPatch(JsonPatch.remove('/spec/replicas'));
  }
}
