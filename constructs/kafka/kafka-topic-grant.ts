import type { Construct } from 'constructs';
import { Grant } from '../grants/grant.js';
import type { GrantRecord } from '../grants/grant-record.js';
import type { IKafkaClient } from './kafka-client-user.js';
import type { KafkaCluster } from './kafka-cluster.js';

export interface KafkaTopicGrantProps {
  readonly cluster: KafkaCluster;
  readonly topicName: string;
  readonly grantee: IKafkaClient;
  /** Topic operations, as Strimzi spells them (`Read`, `Write`, `Describe`). */
  readonly operations: readonly string[];
  /** Consumer group the grantee may join (`Read` on the group). */
  readonly group?: string;
  /**
   * Operations on the group.
   * @default ['Read'] (join it and commit offsets)
   */
  readonly groupOperations?: readonly string[];
}

/**
 * Access to one Kafka topic: ACLs on the grantee's KafkaUser, and the network path from the
 * grantee's pods to the brokers' TLS listener.
 */
export class KafkaTopicGrant extends Grant {
  public readonly record: GrantRecord;

  public constructor(scope: Construct, id: string, props: KafkaTopicGrantProps) {
    super(scope, id);
    const user = props.grantee.kafkaUser;
    if (user.cluster.name !== props.cluster.name) {
      throw new Error(
        `KafkaUser '${user.name}' belongs to cluster '${user.cluster.name}', not '${props.cluster.name}' that holds topic ${props.topicName}`,
      );
    }
    user.addAcl({
      resource: { type: 'topic', name: props.topicName, patternType: 'literal' },
      operations: [...props.operations],
    });
    if (props.group !== undefined) {
      user.addAcl({
        resource: { type: 'group', name: props.group, patternType: 'literal' },
        operations: [...(props.groupOperations ?? ['Read'])],
      });
    }
    props.cluster.allowClient(props.grantee);

    this.record = {
      kind: 'kafka',
      grantee: props.grantee.principal,
      kafkaUser: user.name,
      cluster: props.cluster.name,
      topic: props.topicName,
      operations: [...props.operations],
      ...(props.group === undefined ? {} : { group: props.group }),
      ...(props.groupOperations === undefined
        ? {}
        : { groupOperations: [...props.groupOperations] }),
    };
  }
}
