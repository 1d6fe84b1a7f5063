/**
 * Reading Kubernetes objects the way the rules need them: pod templates of every workload kind,
 * containers, namespaces and whether they are in the mesh. Everything is read defensively, since
 * rules see any YAML (and kinds they have never heard of must pass through untouched).
 */
import {
  asArray,
  asLabels,
  asRecord,
  asString,
  type ManifestObject,
} from '../analysis/reachability/manifest-object.js';

/** Kinds that carry a pod template, and where it sits. */
const POD_SPEC_PATHS: Readonly<Record<string, readonly string[]>> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

/** Workload kinds whose pods run until stopped (and so need probes). */
export const LONG_RUNNING_KINDS = new Set([
  'Pod',
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
]);

export function isWorkload(object: ManifestObject): boolean {
  return POD_SPEC_PATHS[object.kind] !== undefined && isCoreOrAppsGroup(object);
}

function isCoreOrAppsGroup(object: ManifestObject): boolean {
  const group = object.apiVersion.includes('/') ? object.apiVersion.split('/')[0] : '';
  return group === '' || group === 'apps' || group === 'batch';
}

/** The pod spec of a workload (empty when the object is not one). */
export function podSpecOf(object: ManifestObject): Readonly<Record<string, unknown>> {
  const path = POD_SPEC_PATHS[object.kind];
  if (path === undefined || !isCoreOrAppsGroup(object)) return {};
  let value: unknown = object;
  for (const key of path) value = asRecord(value)[key];
  return asRecord(value);
}

/** Pod-template metadata (labels, annotations) of a workload. */
export function podMetadataOf(object: ManifestObject): Readonly<Record<string, unknown>> {
  if (object.kind === 'Pod') return asRecord(object.metadata);
  if (object.kind === 'CronJob') {
    return asRecord(
      asRecord(asRecord(asRecord(asRecord(object.spec).jobTemplate).spec).template).metadata,
    );
  }
  return asRecord(asRecord(asRecord(object.spec).template).metadata);
}

export interface ContainerView {
  readonly name: string;
  readonly init: boolean;
  readonly spec: Readonly<Record<string, unknown>>;
}

/** Every container of a pod spec: init containers first, then the app containers. */
export function containersOf(podSpec: Readonly<Record<string, unknown>>): ContainerView[] {
  const views: ContainerView[] = [];
  for (const [field, init] of [
    ['initContainers', true],
    ['containers', false],
  ] as const) {
    for (const c of asArray(podSpec[field])) {
      const spec = asRecord(c);
      views.push({ name: asString(spec.name) ?? '(unnamed)', init, spec });
    }
  }
  return views;
}

/** `apps/v1` Deployment in `ns` named `name` → `Deployment ns/name` (for messages). */
export function describe(object: ManifestObject): string {
  const ns = object.metadata.namespace;
  return `${object.kind} ${ns === undefined ? '' : `${ns}/`}${object.metadata.name}`;
}

export function namespaceObjects(objects: readonly ManifestObject[]): ManifestObject[] {
  return objects.filter((o) => o.kind === 'Namespace' && o.apiVersion === 'v1');
}

/** Whether a Namespace object turns on Istio sidecar injection. */
export function isInjectedNamespace(namespace: ManifestObject): boolean {
  const labels = asLabels(namespace.metadata.labels);
  if (labels['istio-injection'] === 'disabled') return false;
  return labels['istio-injection'] === 'enabled' || labels['istio.io/rev'] !== undefined;
}

/** Names of namespaces the objects declare as not injected (so mesh rules leave them alone). */
export function uninjectedNamespaceNames(objects: readonly ManifestObject[]): Set<string> {
  return new Set(
    namespaceObjects(objects)
      .filter((n) => !isInjectedNamespace(n))
      .map((n) => n.metadata.name),
  );
}

export function isKind(object: ManifestObject, group: string, kind: string): boolean {
  const objectGroup = object.apiVersion.includes('/') ? object.apiVersion.split('/')[0] : '';
  return object.kind === kind && objectGroup === group;
}

/** A number from a number or numeric string (Strimzi and Kafka configs accept both). */
export function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  return undefined;
}

/** An empty label selector (`{}`, or no matchLabels/matchExpressions) selects every pod. */
export function isEmptySelector(selector: unknown): boolean {
  const s = asRecord(selector);
  return (
    Object.keys(asRecord(s.matchLabels)).length === 0 && asArray(s.matchExpressions).length === 0
  );
}
