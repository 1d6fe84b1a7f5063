/**
 * Who consumes which Kafka topic, read from manifests: KafkaTopics, the KafkaUsers whose ACLs
 * read them as a consumer group, the workloads that use those users (by the certificate Secret
 * they mount, or the mesh principal the user is annotated with), and how far each workload can
 * scale (replicas, a HorizontalPodAutoscaler, a KEDA ScaledObject).
 */
import {
  asArray,
  asLabels,
  asRecord,
  asString,
  asStringArray,
  type ManifestObject,
} from '../analysis/reachability/manifest-object.js';
import { asNumber, isKind, isWorkload, podSpecOf } from './k8s-objects.js';

/** KEDA's default `maxReplicaCount`. @see https://keda.sh/docs/latest/reference/scaledobject-spec/ */
export const KEDA_DEFAULT_MAX_REPLICAS = 100;

/** The Kafka topic name of a KafkaTopic (spec.topicName, else metadata.name). */
export function topicNameOf(topic: ManifestObject): string {
  return asString(asRecord(topic.spec).topicName) ?? topic.metadata.name;
}

export function kafkaTopics(objects: readonly ManifestObject[]): ManifestObject[] {
  return objects.filter((o) => isKind(o, 'kafka.strimzi.io', 'KafkaTopic'));
}

export function findTopic(
  objects: readonly ManifestObject[],
  name: string,
): ManifestObject | undefined {
  return kafkaTopics(objects).find((t) => topicNameOf(t) === name);
}

export function partitionsOf(topic: ManifestObject): number | undefined {
  return asNumber(asRecord(topic.spec).partitions);
}

function scaleTargetMatches(ref: unknown, workload: ManifestObject, defaultKind: string): boolean {
  const r = asRecord(ref);
  return (
    (asString(r.kind) ?? defaultKind) === workload.kind &&
    asString(r.name) === workload.metadata.name
  );
}

/** ScaledObjects in the workload's namespace that scale it. */
export function scaledObjectsFor(
  objects: readonly ManifestObject[],
  workload: ManifestObject,
): ManifestObject[] {
  return objects.filter(
    (o) =>
      isKind(o, 'keda.sh', 'ScaledObject') &&
      o.metadata.namespace === workload.metadata.namespace &&
      scaleTargetMatches(asRecord(o.spec).scaleTargetRef, workload, 'Deployment'),
  );
}

/** The most pods the workload may run: its replicas, or what an autoscaler may raise it to. */
export function maxReplicasOf(
  objects: readonly ManifestObject[],
  workload: ManifestObject,
): number {
  let max = asNumber(asRecord(workload.spec).replicas) ?? 1;
  for (const o of objects) {
    if (o.metadata.namespace !== workload.metadata.namespace) continue;
    const spec = asRecord(o.spec);
    if (
      o.kind === 'HorizontalPodAutoscaler' &&
      scaleTargetMatches(spec.scaleTargetRef, workload, '')
    ) {
      max = Math.max(max, asNumber(spec.maxReplicas) ?? max);
    }
  }
  for (const so of scaledObjectsFor(objects, workload)) {
    max = Math.max(max, asNumber(asRecord(so.spec).maxReplicaCount) ?? KEDA_DEFAULT_MAX_REPLICAS);
  }
  return max;
}

export interface TopicConsumer {
  readonly user: ManifestObject;
  readonly workload: ManifestObject;
  /** Topics the user may Read. */
  readonly topics: readonly string[];
  /** Consumer groups the user may Read. */
  readonly groups: readonly string[];
}

function aclNames(user: ManifestObject, type: string): string[] {
  return asArray(asRecord(asRecord(user.spec).authorization).acls)
    .map(asRecord)
    .filter((acl) => {
      const r = asRecord(acl.resource);
      return (
        asString(r.type) === type &&
        (asString(r.patternType) ?? 'literal') === 'literal' &&
        asStringArray(acl.operations).some((op) => op === 'Read' || op === 'All')
      );
    })
    .map((acl) => asString(asRecord(acl.resource).name) ?? '')
    .filter((n) => n.length > 0);
}

/** Workloads that consume topics as a group member, with the topics and groups they read. */
export function topicConsumers(objects: readonly ManifestObject[]): TopicConsumer[] {
  const consumers: TopicConsumer[] = [];
  for (const user of objects.filter((o) => isKind(o, 'kafka.strimzi.io', 'KafkaUser'))) {
    const groups = aclNames(user, 'group');
    const topics = aclNames(user, 'topic');
    if (groups.length === 0 || topics.length === 0) continue;
    const principal = asLabels(user.metadata.annotations)['meshrag.io/mesh-principal'];
    for (const workload of objects.filter(isWorkload)) {
      if (workload.metadata.namespace !== user.metadata.namespace) continue;
      const spec = podSpecOf(workload);
      const mountsSecret = asArray(spec.volumes).some(
        (v) => asString(asRecord(asRecord(v).secret).secretName) === user.metadata.name,
      );
      const sa = asString(spec.serviceAccountName) ?? 'default';
      const samePrincipal =
        principal !== undefined &&
        principal === `cluster.local/ns/${workload.metadata.namespace ?? 'default'}/sa/${sa}`;
      if (mountsSecret || samePrincipal) consumers.push({ user, workload, topics, groups });
    }
  }
  return consumers;
}
