import {
  asArray,
  asRecord,
  asString,
  type ManifestObject,
} from '../../analysis/reachability/manifest-object.js';
import { asNumber, isKind } from '../k8s-objects.js';
import {
  findTopic,
  KEDA_DEFAULT_MAX_REPLICAS,
  partitionsOf,
  topicConsumers,
} from '../kafka-topology.js';
import { finding, type PolicyRule, type RuleFinding } from '../policy-rule.js';

/** Topics a kafka trigger scales on: its `topic`, else every topic its group may read. */
function triggerTopics(
  objects: readonly ManifestObject[],
  metadata: Readonly<Record<string, unknown>>,
): string[] {
  const topic = asString(metadata.topic);
  if (topic !== undefined)
    return topic
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t.length > 0);
  const group = asString(metadata.consumerGroup);
  return [
    ...new Set(
      topicConsumers(objects)
        .filter((c) => group !== undefined && c.groups.includes(group))
        .flatMap((c) => c.topics),
    ),
  ];
}

/** A KEDA ScaledObject on a Kafka trigger never scales past the topic's partitions. */
export const kedaMaxReplicasWithinPartitions: PolicyRule = {
  id: 'keda-max-replicas-within-partitions',
  title: "A KEDA ScaledObject's maxReplicaCount is at most its topic's partitions",
  severity: 'mandatory',
  why: 'KEDA scales consumers on lag; past the partition count the extra pods get no partition and only add rebalances, exactly when the group is behind. KEDA defaults maxReplicaCount to 100.',
  fix: "Set spec.maxReplicaCount to at most the topic's partitions, or raise the partitions first.",
  scope: 'stack',
  check(objects) {
    const findings: RuleFinding[] = [];
    for (const so of objects.filter((o) => isKind(o, 'keda.sh', 'ScaledObject'))) {
      const spec = asRecord(so.spec);
      const max = asNumber(spec.maxReplicaCount) ?? KEDA_DEFAULT_MAX_REPLICAS;
      for (const t of asArray(spec.triggers)) {
        const trigger = asRecord(t);
        if (asString(trigger.type) !== 'kafka') continue;
        for (const name of triggerTopics(objects, asRecord(trigger.metadata))) {
          const topic = findTopic(objects, name);
          const partitions = topic === undefined ? undefined : partitionsOf(topic);
          if (partitions !== undefined && max > partitions) {
            findings.push(
              finding(
                so,
                `maxReplicaCount ${asNumber(spec.maxReplicaCount) === undefined ? `unset (KEDA default ${max})` : max} exceeds the ${partitions} partitions of topic ${name}`,
              ),
            );
          }
        }
      }
    }
    return findings;
  },
};
