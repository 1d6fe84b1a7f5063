import { asRecord, asString } from '../../analysis/reachability/manifest-object.js';
import { isKind } from '../k8s-objects.js';
import { finding, type PolicyRule } from '../policy-rule.js';

/** The Kafka cluster enforces authorization. */
export const kafkaAuthorization: PolicyRule = {
  id: 'kafka-authorization',
  title: 'Kafka authorization is set',
  severity: 'mandatory',
  why: 'Without spec.kafka.authorization the brokers let any authenticated client read and write every topic: the KafkaUser ACLs that grants write are never consulted.',
  fix: 'Set spec.kafka.authorization.type: simple (KafkaCluster does).',
  scope: 'object',
  check(objects) {
    return objects
      .filter((o) => isKind(o, 'kafka.strimzi.io', 'Kafka'))
      .filter(
        (k) =>
          asString(asRecord(asRecord(asRecord(k.spec).kafka).authorization).type) === undefined,
      )
      .map((k) =>
        finding(k, 'spec.kafka.authorization is not set: every client may do everything'),
      );
  },
};
