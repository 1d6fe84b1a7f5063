import { asLabels, asRecord } from '../../analysis/reachability/manifest-object.js';
import { asNumber, isKind } from '../k8s-objects.js';
import { kafkaTopics, topicNameOf } from '../kafka-topology.js';
import { finding, type PolicyRule, type RuleFinding } from '../policy-rule.js';

/** On prod-like stacks: 3 replicas, min.insync.replicas 2. */
export const kafkaTopicDurability: PolicyRule = {
  id: 'kafka-topic-durability',
  title: 'Topics have replicas >= 3 and min.insync.replicas >= 2 (prod-like stacks)',
  severity: 'mandatory',
  why: 'With fewer than 3 replicas or a min ISR of 1, one broker loss or one unlucky leader election loses acknowledged records: the pipeline promises at-least-once delivery.',
  fix: "Use PRODUCTION_TOPIC_SETTINGS (12 partitions, 3 replicas, min ISR 2) in the stack's topic plan.",
  scope: 'stack',
  prodLikeOnly: true,
  check(objects) {
    const findings: RuleFinding[] = [];
    for (const topic of kafkaTopics(objects)) {
      const spec = asRecord(topic.spec);
      const replicas = asNumber(spec.replicas);
      if (replicas === undefined || replicas < 3) {
        findings.push(
          finding(
            topic,
            `topic ${topicNameOf(topic)} has ${replicas ?? 'default'} replicas, needs >= 3`,
          ),
        );
      }
      // A topic without its own min.insync.replicas takes the cluster's.
      const cluster = objects.find(
        (o) =>
          isKind(o, 'kafka.strimzi.io', 'Kafka') &&
          o.metadata.name === asLabels(topic.metadata.labels)['strimzi.io/cluster'] &&
          o.metadata.namespace === topic.metadata.namespace,
      );
      const clusterMinIsr = asNumber(
        asRecord(asRecord(asRecord(cluster?.spec).kafka).config)['min.insync.replicas'],
      );
      const minIsr = asNumber(asRecord(spec.config)['min.insync.replicas']) ?? clusterMinIsr ?? 1;
      if (minIsr < 2) {
        findings.push(
          finding(
            topic,
            `topic ${topicNameOf(topic)} has min.insync.replicas ${minIsr}, needs >= 2`,
          ),
        );
      }
    }
    return findings;
  },
};
