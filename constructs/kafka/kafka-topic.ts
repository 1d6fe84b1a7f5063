import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { RecordSizeBudget } from '../../app/common/record-size-budget.js';
import { validateDns1123Subdomain, validateInteger } from '../common/validate.js';
import type { IKafkaClient } from './kafka-client-user.js';
import type { KafkaCluster } from './kafka-cluster.js';
import { KafkaTopicGrant } from './kafka-topic-grant.js';
import { type KafkaTopicSettings, validateTopicSettings } from './kafka-topic-plan.js';

export interface KafkaTopicProps extends KafkaTopicSettings {
  readonly cluster: KafkaCluster;
  /** The Kafka topic name; also the KafkaTopic resource name, so it must be a DNS-1123 subdomain. */
  readonly topicName: string;
  /**
   * `max.message.bytes`: the largest record batch the topic accepts. Not a stack setting: the
   * services' limits are built for `RecordSizeBudget`, and a topic that disagrees refuses
   * documents the envelope allows.
   * @default RecordSizeBudget.maxMessageBytes
   */
  readonly maxMessageBytes?: number;
}

export interface GrantConsumeOptions {
  /** The consumer group the grantee joins. */
  readonly group: string;
}

/**
 * A Strimzi KafkaTopic managed by the Topic Operator, with grants for producers and
 * consumers.
 * @see https://strimzi.io/docs/operators/latest/configuring.html#type-KafkaTopic-reference
 */
export class KafkaTopic extends Construct {
  public readonly topicName: string;
  public readonly partitions: number;
  public readonly replicas: number;
  public readonly retentionMs: number;
  public readonly minInsyncReplicas: number;
  public readonly maxMessageBytes: number;
  public readonly cluster: KafkaCluster;

  public constructor(scope: Construct, id: string, props: KafkaTopicProps) {
    super(scope, id);
    validateDns1123Subdomain('KafkaTopic name', props.topicName);
    validateTopicSettings(props.topicName, props, props.cluster.brokerReplicas);
    this.topicName = props.topicName;
    this.partitions = props.partitions;
    this.replicas = props.replicas;
    this.retentionMs = props.retentionMs;
    this.minInsyncReplicas = props.minInsyncReplicas;
    this.maxMessageBytes = props.maxMessageBytes ?? RecordSizeBudget.maxMessageBytes;
    validateInteger(`topic ${props.topicName} max.message.bytes`, this.maxMessageBytes, 1);
    this.cluster = props.cluster;

    new ApiObject(this, 'Resource', {
      apiVersion: 'kafka.strimzi.io/v1',
      kind: 'KafkaTopic',
      metadata: {
        name: this.topicName,
        namespace: props.cluster.namespaceName,
        labels: { 'strimzi.io/cluster': props.cluster.name },
      },
      spec: {
        partitions: this.partitions,
        replicas: this.replicas,
        config: {
          'retention.ms': this.retentionMs,
          'min.insync.replicas': this.minInsyncReplicas,
          'max.message.bytes': this.maxMessageBytes,
        },
      },
    });
  }

  /** Lets the grantee read the topic in a consumer group: `Read`, `Describe`, and `Read` on the group. */
  public grantConsume(grantee: IKafkaClient, options: GrantConsumeOptions): KafkaTopicGrant {
    if (!/^[A-Za-z0-9._-]{1,249}$/.test(options.group)) {
      throw new Error(
        `consumer group '${options.group}' must be 1-249 letters, digits, '.', '_' or '-'`,
      );
    }
    return new KafkaTopicGrant(this, `Consume-${grantee.kafkaUser.name}-${options.group}`, {
      cluster: this.cluster,
      topicName: this.topicName,
      grantee,
      operations: ['Describe', 'Read'],
      group: options.group,
    });
  }

  /**
   * Lets the grantee read a group's lag on the topic and nothing else: `Describe` on the topic
   * (its end offsets) and on the group (its committed offsets). For autoscalers.
   */
  public grantDescribeLag(grantee: IKafkaClient, options: GrantConsumeOptions): KafkaTopicGrant {
    return new KafkaTopicGrant(this, `DescribeLag-${grantee.kafkaUser.name}-${options.group}`, {
      cluster: this.cluster,
      topicName: this.topicName,
      grantee,
      operations: ['Describe'],
      group: options.group,
      groupOperations: ['Describe'],
    });
  }

  /** Lets the grantee write to the topic: `Write` and `Describe`. */
  public grantProduce(grantee: IKafkaClient): KafkaTopicGrant {
    return new KafkaTopicGrant(this, `Produce-${grantee.kafkaUser.name}`, {
      cluster: this.cluster,
      topicName: this.topicName,
      grantee,
      operations: ['Describe', 'Write'],
    });
  }
}
