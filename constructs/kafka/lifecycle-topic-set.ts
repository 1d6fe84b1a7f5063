import { Construct } from 'constructs';
import { lifecycleTopicSizeConfig } from '../../app/common/record-size-budget.js';
import { LifecycleTopics } from '../../app/common/topics.js';
import type { KafkaCluster } from './kafka-cluster.js';
import { KafkaTopic } from './kafka-topic.js';
import type { KafkaTopicPlan } from './kafka-topic-plan.js';

export interface LifecycleTopicSetProps {
  readonly cluster: KafkaCluster;
  readonly plan: KafkaTopicPlan;
}

/**
 * The five lifecycle topics of a document, from the stack's topic plan. Names come only from
 * `app/common/topics.ts` and size limits only from `app/common/record-size-budget.ts`, so the
 * services and the cluster cannot disagree.
 */
export class LifecycleTopicSet extends Construct {
  public readonly parsed: KafkaTopic;
  public readonly embedded: KafkaTopic;
  public readonly indexed: KafkaTopic;
  public readonly failed: KafkaTopic;
  public readonly dlq: KafkaTopic;

  public constructor(scope: Construct, id: string, props: LifecycleTopicSetProps) {
    super(scope, id);
    const topic = (role: keyof typeof LifecycleTopics): KafkaTopic =>
      new KafkaTopic(this, role, {
        cluster: props.cluster,
        topicName: LifecycleTopics[role],
        ...props.plan[role],
        maxMessageBytes: lifecycleTopicSizeConfig(role)['max.message.bytes'],
      });
    this.parsed = topic('parsed');
    this.embedded = topic('embedded');
    this.indexed = topic('indexed');
    this.failed = topic('failed');
    this.dlq = topic('dlq');
  }

  /** All five, in declaration order. */
  public get all(): readonly KafkaTopic[] {
    return [this.parsed, this.embedded, this.indexed, this.failed, this.dlq];
  }
}
