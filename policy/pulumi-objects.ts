/**
 * Kubernetes objects as the Pulumi policy pack sees them: the `objs` (or `yaml`) input of a
 * `kubernetes:yaml/v2:ConfigGroup`, and typed resources (`kubernetes:<group>/<version>:<Kind>`,
 * whose props are the object without apiVersion/kind). Objects inside upstream Helm charts
 * are upstream's, not meshrag's, and are left to their maintainers.
 */
import {
  asArray,
  asRecord,
  asString,
  type ManifestObject,
  parseManifestYaml,
} from '../analysis/reachability/manifest-object.js';

/** Components whose inputs are the objects themselves: checked through those inputs. */
export const OBJECT_GROUP_TYPES = new Set([
  'kubernetes:yaml/v2:ConfigGroup',
  'kubernetes:yaml/v2:ConfigFile',
  'kubernetes:yaml:ConfigGroup',
  'kubernetes:yaml:ConfigFile',
]);

/** Components that expand an upstream chart: their children are not meshrag's objects. */
export const UPSTREAM_CHART_TYPES = new Set([
  'kubernetes:helm.sh/v4:Chart',
  'kubernetes:helm.sh/v3:Chart',
  'kubernetes:helm.sh/v3:Release',
  'kubernetes:kustomize/v2:Directory',
]);

export interface ParsedUrn {
  readonly stack: string;
  readonly project: string;
  /** The resource's type, then its ancestors' types, innermost first. */
  readonly types: readonly string[];
  readonly name: string;
}

/** `urn:pulumi:<stack>::<project>::<parent$...$type>::<name>`. */
export function parseUrn(urn: string): ParsedUrn | undefined {
  const match = /^urn:pulumi:([^:]+)::([^:]+)::(.+?)::(.*)$/.exec(urn);
  if (match === null) return undefined;
  const [, stack = '', project = '', qualifiedType = '', name = ''] = match;
  return { stack, project, types: qualifiedType.split('$').reverse(), name };
}

/** Whether the resource sits inside a ConfigGroup (checked through the group's inputs) or a chart. */
export function insideObjectGroupOrChart(urn: string): { group: boolean; chart: boolean } {
  const ancestors = parseUrn(urn)?.types.slice(1) ?? [];
  return {
    group: ancestors.some((t) => OBJECT_GROUP_TYPES.has(t)),
    chart: ancestors.some((t) => UPSTREAM_CHART_TYPES.has(t)),
  };
}

/** `kubernetes:apps/v1:Deployment` → `{ apiVersion: 'apps/v1', kind: 'Deployment' }`; core is `v1`. */
export function kubernetesTypeOf(type: string): { apiVersion: string; kind: string } | undefined {
  const match = /^kubernetes:([^:]+):([A-Za-z0-9]+)$/.exec(type);
  if (match === null) return undefined;
  const [, groupVersion = '', kind = ''] = match;
  if (
    !groupVersion.includes('/') ||
    groupVersion.startsWith('yaml') ||
    groupVersion.startsWith('helm.sh')
  ) {
    return undefined;
  }
  return {
    apiVersion: groupVersion.startsWith('core/') ? groupVersion.slice(5) : groupVersion,
    kind,
  };
}

function objectsFromValue(value: unknown): ManifestObject[] {
  if (Array.isArray(value)) return value.flatMap(objectsFromValue);
  const record = asRecord(value);
  if (typeof record.kind !== 'string' || typeof asRecord(record.metadata).name !== 'string')
    return [];
  if (record.kind === 'List') return objectsFromValue(record.items);
  return [record as unknown as ManifestObject];
}

/**
 * The Kubernetes objects one Pulumi resource stands for: a ConfigGroup's `objs` and `yaml`, or
 * a typed resource as one object (named by its resource name when Pulumi auto-names it).
 */
export function objectsFromResource(
  type: string,
  props: Readonly<Record<string, unknown>>,
  name: string,
): ManifestObject[] {
  if (OBJECT_GROUP_TYPES.has(type)) {
    const fromYaml = [props.yaml]
      .flat()
      .flatMap((text) => (typeof text === 'string' ? parseManifestYaml(text) : []));
    return [...objectsFromValue(props.objs), ...fromYaml];
  }
  const k8sType = kubernetesTypeOf(type);
  if (k8sType === undefined) return [];
  const metadata = asRecord(props.metadata);
  return [
    {
      ...props,
      apiVersion: asString(props.apiVersion) ?? k8sType.apiVersion,
      kind: asString(props.kind) ?? k8sType.kind,
      metadata: { ...metadata, name: asString(metadata.name) ?? name },
    } as ManifestObject,
  ];
}

export function objectKey(o: ManifestObject): string {
  return `${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

/** Every object of a stack, each with the URN of the resource that carries it, deduplicated. */
export function stackObjects(
  resources: readonly {
    type: string;
    props: Readonly<Record<string, unknown>>;
    urn: string;
    name: string;
  }[],
): { objects: ManifestObject[]; urnOf: Map<string, string> } {
  const urnOf = new Map<string, string>();
  const objects: ManifestObject[] = [];
  for (const r of resources) {
    if (insideObjectGroupOrChart(r.urn).chart) continue;
    for (const o of objectsFromResource(r.type, r.props, r.name)) {
      const key = objectKey(o);
      if (urnOf.has(key)) continue;
      urnOf.set(key, r.urn);
      objects.push(o);
    }
  }
  return { objects, urnOf };
}

/** Count of the `objs` entries that are not objects (for messages). */
export function nonObjectEntries(props: Readonly<Record<string, unknown>>): number {
  return asArray(props.objs).filter((o) => objectsFromValue(o).length === 0).length;
}
