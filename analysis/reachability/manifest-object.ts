/**
 * Rendered Kubernetes objects as the analysis sees them: parsed YAML, nothing typed beyond
 * `apiVersion`/`kind`/`metadata`. Every field is read defensively through the helpers below,
 * because the analysis must never depend on the constructs that produced the manifests.
 */
import { parseAllDocuments } from 'yaml';

/** One rendered object, as parsed from YAML. */
export interface ManifestObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly [field: string]: unknown;
}

/** Label (or annotation) map; empty when absent. */
export type Labels = Readonly<Record<string, string>>;

/** Parses a multi-document YAML stream into objects, skipping empty documents. */
export function parseManifestYaml(text: string): ManifestObject[] {
  const objects: ManifestObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) {
      throw new Error(`invalid manifest YAML: ${doc.errors[0]?.message}`);
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    objects.push(asManifestObject(value));
  }
  return objects;
}

/** Checks the minimum shape every Kubernetes object has. */
export function asManifestObject(value: unknown): ManifestObject {
  const record = asRecord(value);
  const metadata = asRecord(record.metadata);
  if (typeof record.kind !== 'string' || typeof metadata.name !== 'string') {
    throw new Error(
      `not a Kubernetes object (kind and metadata.name are required): ${JSON.stringify(value).slice(0, 200)}`,
    );
  }
  return record as unknown as ManifestObject;
}

/** The object's namespace; namespaced kinds without one land in `default`, as kubectl does. */
export function namespaceOf(object: ManifestObject): string {
  return object.metadata.namespace ?? 'default';
}

/** `group/version` → `group`; core kinds have the empty group. */
export function apiGroupOf(object: ManifestObject): string {
  const slash = object.apiVersion.indexOf('/');
  return slash === -1 ? '' : object.apiVersion.slice(0, slash);
}

export function asRecord(value: unknown): Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

export function asArray(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function asStringArray(value: unknown): readonly string[] {
  return asArray(value).filter((item): item is string => typeof item === 'string');
}

export function asLabels(value: unknown): Labels {
  const labels: Record<string, string> = {};
  for (const [key, item] of Object.entries(asRecord(value))) {
    if (typeof item === 'string') labels[key] = item;
    else if (typeof item === 'number' || typeof item === 'boolean') labels[key] = String(item);
  }
  return labels;
}

/** A port given as a number or a numeric string (Istio writes ports as strings). */
export function asPortNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  return undefined;
}
