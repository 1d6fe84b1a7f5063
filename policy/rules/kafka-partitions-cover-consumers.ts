import { describe } from '../k8s-objects.js';
import { findTopic, maxReplicasOf, partitionsOf, topicConsumers } from '../kafka-topology.js';
import { finding, type PolicyRule, type RuleFinding } from '../policy-rule.js';

/** On prod-like stacks, every consumer pod can own a partition. */
export const kafkaPartitionsCoverConsumers: PolicyRule = {
  id: 'kafka-partitions-cover-consumers',
  title: "Topics have at least as many partitions as their consumer's replicas (prod-like stacks)",
  severity: 'mandatory',
  why: 'A consumer group assigns each partition to one member; pods beyond the partition count sit idle while costing a full pod, and an autoscaler that adds them buys no throughput.',
  fix: "Raise the topic's partitions (partitions can grow, never shrink) or lower the consumer's replicas / autoscaler maximum.",
  scope: 'stack',
  prodLikeOnly: true,
  check(objects) {
    const findings: RuleFinding[] = [];
    for (const consumer of topicConsumers(objects)) {
      const max = maxReplicasOf(objects, consumer.workload);
      for (const name of consumer.topics) {
        const topic = findTopic(objects, name);
        const partitions = topic === undefined ? undefined : partitionsOf(topic);
        if (topic !== undefined && partitions !== undefined && partitions < max) {
          findings.push(
            finding(
              topic,
              `topic ${name} has ${partitions} partitions but ${describe(consumer.workload)} may run ${max} consumers in group ${consumer.groups.join(', ')}`,
            ),
          );
        }
      }
    }
    return findings;
  },
};
