/** Rendered stacks as the policy rules see them, and small helpers to mutate them in tests. */
import type { ManifestObject } from '../../analysis/reachability/manifest-object.js';
import { renderedStackObjects } from '../../cli/commands/policy.js';

const cache = new Map<string, ManifestObject[]>();

/** A fresh deep copy of a stack's rendered objects (render once per stack per test file). */
export function stackObjects(stack: string): ManifestObject[] {
  let objects = cache.get(stack);
  if (objects === undefined) {
    objects = renderedStackObjects(stack);
    cache.set(stack, objects);
  }
  return structuredClone(objects);
}

/** The object of that kind and name (and namespace); throws when absent so tests fail loudly. */
export function find(
  objects: readonly ManifestObject[],
  kind: string,
  name: string,
  namespace?: string,
): // biome-ignore lint/suspicious/noExplicitAny: tests mutate arbitrary fields
any {
  const o = objects.find(
    (x) =>
      x.kind === kind &&
      x.metadata.name === name &&
      (namespace === undefined || x.metadata.namespace === namespace),
  );
  if (o === undefined) throw new Error(`no ${kind} ${namespace ?? '*'}/${name} in fixture`);
  return o;
}

export function remove(
  objects: ManifestObject[],
  kind: string,
  name: string,
  namespace?: string,
): ManifestObject[] {
  const target = find(objects, kind, name, namespace);
  return objects.filter((o) => o !== target);
}

/** A KEDA ScaledObject on the consumer, scaling on a Kafka topic's lag (hand-built). */
export function consumerScaledObject(
  maxReplicaCount: number | undefined,
  topic = 'documents.parsed',
): ManifestObject {
  return {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: { name: 'consumer', namespace: 'meshrag' },
    spec: {
      scaleTargetRef: { name: 'consumer' },
      minReplicaCount: 1,
      ...(maxReplicaCount === undefined ? {} : { maxReplicaCount }),
      triggers: [
        {
          type: 'kafka',
          metadata: {
            bootstrapServers: 'meshrag-kafka-bootstrap.kafka.svc:9093',
            consumerGroup: 'meshrag-ingest',
            topic,
            lagThreshold: '100',
          },
        },
      ],
    },
  };
}
