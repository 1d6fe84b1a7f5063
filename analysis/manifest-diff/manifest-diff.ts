/**
 * A semantic diff of two sets of Kubernetes objects: objects added, removed and changed, and per
 * changed object the field paths with old → new values. Lists of named items (containers, env,
 * ports, volumes) are compared by name, so inserting one env variable reads as one addition,
 * not as every later entry changing. Secret values are never carried: they are masked here,
 * before any formatter sees them.
 */
import diff from 'microdiff';
import { isLiteralSecret } from '../../policy/rules/workload-no-literal-secrets.js';
import { asRecord, asString, type ManifestObject } from '../reachability/manifest-object.js';

export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

export interface FieldChange {
  /** `spec.template.spec.containers[name=embedder].ports[name=http-embed].containerPort`. */
  readonly path: string;
  readonly type: 'added' | 'removed' | 'changed';
  /** Display value (JSON for non-strings); `undefined` for an added field. */
  readonly old?: string;
  /** Display value; `undefined` for a removed field. */
  readonly new?: string;
  /** The value is a secret: `old`/`new` hold a mask, never the value. */
  readonly masked: boolean;
}

export interface ObjectChange {
  readonly object: ObjectRef;
  readonly changes: readonly FieldChange[];
}

export interface ManifestDiff {
  readonly added: readonly ObjectRef[];
  readonly removed: readonly ObjectRef[];
  readonly changed: readonly ObjectChange[];
}

export const MASK = '••••••';
const MAX_VALUE_CHARS = 160;

export function refOf(o: ManifestObject): ObjectRef {
  return {
    apiVersion: o.apiVersion,
    kind: o.kind,
    ...(o.metadata.namespace === undefined ? {} : { namespace: o.metadata.namespace }),
    name: o.metadata.name,
  };
}

function keyOf(o: ManifestObject): string {
  return `${o.apiVersion.split('/')[0]}|${o.kind}|${o.metadata.namespace ?? ''}|${o.metadata.name}`;
}

/** Arrays of objects that all have a distinct string `name` become maps keyed `[name=<name>]`. */
function keyed(value: unknown): unknown {
  if (Array.isArray(value)) {
    const names = value.map((v) => asString(asRecord(v).name));
    if (
      value.length > 0 &&
      names.every((n) => n !== undefined) &&
      new Set(names).size === names.length
    ) {
      return Object.fromEntries(value.map((v, i) => [`[name=${names[i]}]`, keyed(v)]));
    }
    return value.map(keyed);
  }
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, keyed(v)]));
  }
  return value;
}

function pathText(path: readonly (string | number)[]): string {
  let text = '';
  for (const part of path) {
    if (typeof part === 'number') text += `[${part}]`;
    else if (part.startsWith('[name=')) text += part;
    else if (/^[A-Za-z_][\w-]*$/.test(part)) text += text.length === 0 ? part : `.${part}`;
    else text += `[${JSON.stringify(part)}]`;
  }
  return text;
}

function display(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS)}…` : text;
}

/** Whether a changed field of this object holds a secret value. */
function isSecretField(
  object: ManifestObject,
  path: readonly (string | number)[],
  values: unknown[],
): boolean {
  if (object.kind === 'Secret' && (path[0] === 'data' || path[0] === 'stringData')) return true;
  // An env entry: `...env.[name=X].value`, or the whole entry added or removed.
  const envIndex = path.lastIndexOf('env');
  if (envIndex === -1) return false;
  const entry = path[envIndex + 1];
  const name = typeof entry === 'string' ? (/^\[name=(.*)\]$/.exec(entry)?.[1] ?? '') : '';
  return values.some((v) => {
    const value = typeof v === 'string' ? v : asString(asRecord(v).value);
    return value !== undefined && isLiteralSecret(name, value);
  });
}

export function diffObject(base: ManifestObject, head: ManifestObject): FieldChange[] {
  return diff(asRecord(keyed(base)), asRecord(keyed(head))).map((d) => {
    const old = d.type === 'CREATE' ? undefined : d.oldValue;
    const now = d.type === 'REMOVE' ? undefined : d.value;
    const masked =
      isSecretField(head, d.path, [old, now]) || isSecretField(base, d.path, [old, now]);
    const show = (v: unknown) => (v === undefined ? undefined : masked ? MASK : display(v));
    const o = show(old);
    const n = show(now);
    return {
      path: pathText(d.path),
      type: d.type === 'CREATE' ? 'added' : d.type === 'REMOVE' ? 'removed' : 'changed',
      ...(o === undefined ? {} : { old: o }),
      ...(n === undefined ? {} : { new: n }),
      masked,
    } satisfies FieldChange;
  });
}

export function diffManifests(
  base: readonly ManifestObject[],
  head: readonly ManifestObject[],
): ManifestDiff {
  const baseByKey = new Map(base.map((o) => [keyOf(o), o]));
  const headByKey = new Map(head.map((o) => [keyOf(o), o]));
  const changed: ObjectChange[] = [];
  for (const [key, h] of headByKey) {
    const b = baseByKey.get(key);
    if (b === undefined) continue;
    const changes = diffObject(b, h);
    if (changes.length > 0) changed.push({ object: refOf(h), changes });
  }
  return {
    added: [...headByKey].filter(([k]) => !baseByKey.has(k)).map(([, o]) => refOf(o)),
    removed: [...baseByKey].filter(([k]) => !headByKey.has(k)).map(([, o]) => refOf(o)),
    changed,
  };
}

export function isEmptyDiff(d: ManifestDiff): boolean {
  return d.added.length === 0 && d.removed.length === 0 && d.changed.length === 0;
}
