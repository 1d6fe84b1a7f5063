import { asRecord } from '../../analysis/reachability/manifest-object.js';
import { isKind } from '../k8s-objects.js';
import { finding, type PolicyRule } from '../policy-rule.js';

/** Brokers never create topics on first use. */
export const kafkaNoAutoCreateTopics: PolicyRule = {
  id: 'kafka-no-auto-create-topics',
  title: 'auto.create.topics.enable is false',
  severity: 'mandatory',
  why: "Kafka defaults it to true: a typo'd topic name becomes a real topic with broker defaults (one partition, whatever replication), outside the topic plan and its ACLs.",
  fix: "Set spec.kafka.config['auto.create.topics.enable']: false (KafkaCluster does) and declare topics as KafkaTopics.",
  scope: 'object',
  check(objects) {
    return objects
      .filter((o) => isKind(o, 'kafka.strimzi.io', 'Kafka'))
      .filter((k) => {
        const value = asRecord(asRecord(asRecord(k.spec).kafka).config)[
          'auto.create.topics.enable'
        ];
        return !(value === false || value === 'false');
      })
      .map((k) => finding(k, 'auto.create.topics.enable is not false (Kafka defaults it to true)'));
  },
};
