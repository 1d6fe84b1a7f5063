/** Every meshrag policy rule, in report order (mesh, network, Kafka, workloads). */
import type { PolicyRule } from './policy-rule.js';
import { chromaPersistentVolume } from './rules/chroma-persistent-volume.js';
import { kafkaAclLiteral } from './rules/kafka-acl-literal.js';
import { kafkaAuthorization } from './rules/kafka-authorization.js';
import { kafkaListenerAuthentication } from './rules/kafka-listener-authentication.js';
import { kafkaNoAutoCreateTopics } from './rules/kafka-no-auto-create-topics.js';
import { kafkaPartitionsCoverConsumers } from './rules/kafka-partitions-cover-consumers.js';
import { kafkaTopicDurability } from './rules/kafka-topic-durability.js';
import { kedaMaxReplicasWithinPartitions } from './rules/keda-max-replicas-within-partitions.js';
import { meshAllowNothingBaseline } from './rules/mesh-allow-nothing-baseline.js';
import { meshAuthzNamedPrincipals } from './rules/mesh-authz-named-principals.js';
import { meshMtlsStrictMeshwide } from './rules/mesh-mtls-strict-meshwide.js';
import { meshNoPermissiveMtls } from './rules/mesh-no-permissive-mtls.js';
import { meshPortNames } from './rules/mesh-port-names.js';
import { networkDefaultDeny } from './rules/network-default-deny.js';
import { networkNoAllowAllEgress } from './rules/network-no-allow-all-egress.js';
import { workloadGpuScheduling } from './rules/workload-gpu-scheduling.js';
import { workloadImageDigest } from './rules/workload-image-digest.js';
import { workloadImageNoLatest } from './rules/workload-image-no-latest.js';
import { workloadNoLiteralSecrets } from './rules/workload-no-literal-secrets.js';
import { workloadPodSecurityRestricted } from './rules/workload-pod-security-restricted.js';
import { workloadProbes } from './rules/workload-probes.js';
import { workloadResources } from './rules/workload-resources.js';

export const ALL_RULES: readonly PolicyRule[] = [
  meshMtlsStrictMeshwide,
  meshNoPermissiveMtls,
  meshAllowNothingBaseline,
  meshAuthzNamedPrincipals,
  meshPortNames,
  networkDefaultDeny,
  networkNoAllowAllEgress,
  kafkaListenerAuthentication,
  kafkaAuthorization,
  kafkaNoAutoCreateTopics,
  kafkaAclLiteral,
  kafkaTopicDurability,
  kafkaPartitionsCoverConsumers,
  kedaMaxReplicasWithinPartitions,
  workloadPodSecurityRestricted,
  workloadResources,
  workloadImageNoLatest,
  workloadImageDigest,
  workloadNoLiteralSecrets,
  workloadProbes,
  workloadGpuScheduling,
  chromaPersistentVolume,
];

export function findRule(id: string): PolicyRule | undefined {
  return ALL_RULES.find((r) => r.id === id);
}
