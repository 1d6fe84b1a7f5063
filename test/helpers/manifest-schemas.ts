/**
 * Validates rendered objects against the schemas a real cluster enforces: core kinds with
 * kubernetes-models, Strimzi and Istio kinds with ajv against the CRDs of the charts vendored in
 * `charts/`, Prometheus Operator and KEDA kinds against the CRDs vendored in `charts/crds/`
 * (`CRD_FILES`: the same CRDs a deploy installs; tests only, the product never reads them).
 *
 * CRD schemas are "structural": they do not say `additionalProperties: false`, yet the API
 * server prunes (or, with strict field validation, rejects) unknown fields. A typo would pass a
 * plain ajv check and vanish on the cluster, so unknown fields are made errors here, except
 * where a schema says `x-kubernetes-preserve-unknown-fields`.
 *
 * The first check of a kind compiles its schema (seconds on a busy machine), so suites that
 * validate allow 30 s per test.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import {
  ConfigMap,
  Namespace,
  PersistentVolumeClaim,
  Service,
  ServiceAccount,
} from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';

// ajv-formats is CommonJS; under NodeNext its default import is the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const yamlFilesIn = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => join(dir, f));

/**
 * Every CRD file meshrag's objects are validated against and a test API server installs:
 * Strimzi's `crds/*.yaml`, Istio base's one file, and the Prometheus Operator and KEDA CRDs.
 */
export const CRD_FILES: readonly string[] = [
  ...yamlFilesIn(resolve(repoRoot, 'charts/strimzi-kafka-operator/crds')),
  resolve(repoRoot, 'charts/istio/base/files/crd-all.gen.yaml'),
  ...yamlFilesIn(resolve(repoRoot, 'charts/crds/prometheus-operator-0.93.0')),
  ...yamlFilesIn(resolve(repoRoot, 'charts/crds/keda-2.20.2')),
];

type Json = Record<string, unknown>;
export interface ManifestObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string };
  readonly [key: string]: unknown;
}

// kubernetes-models classes validate on `.validate()`, throwing with every error.
const CORE_MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Namespace': Namespace,
  'v1/ServiceAccount': ServiceAccount,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
};

/** Adds `additionalProperties: false` to every object schema that lists its properties. */
function closeObjects(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closeObjects);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Json = {};
  for (const [key, value] of Object.entries(schema as Json)) {
    out[key] = key === 'properties' ? mapValues(value as Json, closeObjects) : closeObjects(value);
  }
  if (
    out.properties !== undefined &&
    out.additionalProperties === undefined &&
    out['x-kubernetes-preserve-unknown-fields'] !== true
  ) {
    out.additionalProperties = false;
  }
  return out;
}

function mapValues(o: Json, f: (v: unknown) => unknown): Json {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)]));
}

const crdSchemas = new Map<string, Json | null>();
let crdFiles: { readonly path: string; readonly text: string }[] | undefined;

/**
 * The schema of one served CRD version, `group/version/Kind`, or null. Only the YAML
 * documents that mention the kind are parsed (Istio ships every CRD in one large file).
 */
function crdSchema(key: string): Json | null {
  const cached = crdSchemas.get(key);
  if (cached !== undefined) return cached;
  crdFiles ??= CRD_FILES.map((path) => ({ path, text: readFileSync(path, 'utf8') }));
  const kind = key.slice(key.lastIndexOf('/') + 1);
  const candidates = crdFiles
    .flatMap((f) => f.text.split(/^---$/m))
    .filter((doc) => doc.includes(`kind: ${kind}\n`));
  for (const text of candidates) {
    for (const doc of parseAllDocuments(text)) {
      const crd = doc.toJS() as Json | null;
      if (crd?.kind !== 'CustomResourceDefinition') continue;
      const spec = crd.spec as { group: string; names: { kind: string }; versions: Json[] };
      for (const version of spec.versions) {
        const schema = (version.schema as Json | undefined)?.openAPIV3Schema as Json | undefined;
        if (version.served !== true || schema === undefined) continue;
        crdSchemas.set(`${spec.group}/${version.name as string}/${spec.names.kind}`, schema);
      }
    }
  }
  if (!crdSchemas.has(key)) crdSchemas.set(key, null);
  return crdSchemas.get(key) ?? null;
}

const compiled = new Map<string, ValidateFunction>();
let ajv: Ajv | undefined;

/**
 * CRD patterns are Go (RE2) regular expressions; the Prometheus Operator's use a leading
 * `(?i)` (after `^`) for case-insensitive enums, which JavaScript spells as the `i` flag.
 */
const goRegExp = Object.assign(
  (pattern: string, flags: string): RegExp =>
    pattern.includes('(?i)')
      ? new RegExp(pattern.replaceAll('(?i)', ''), `${flags}i`)
      : new RegExp(pattern, flags),
  { code: 'new RegExp' },
);

function newAjv(): Ajv {
  const instance = new Ajv({ strict: false, allErrors: true, code: { regExp: goRegExp } });
  addFormats(instance);
  // OpenAPI's numeric formats, which JSON Schema does not define.
  const int = (bits: number) => (n: number) =>
    Number.isInteger(n) && Math.abs(n) <= 2 ** (bits - 1);
  instance.addFormat('int32', { type: 'number', validate: int(32) });
  instance.addFormat('int64', { type: 'number', validate: int(64) });
  instance.addFormat('double', { type: 'number', validate: () => true });
  instance.addFormat('float', { type: 'number', validate: () => true });
  return instance;
}

/** The compiled validator of one CRD version, compiled on first use. */
function crdValidator(key: string): ValidateFunction | undefined {
  const cached = compiled.get(key);
  if (cached !== undefined) return cached;
  const schema = crdSchema(key);
  if (schema === null) return undefined;
  // The API server checks apiVersion, kind and metadata itself; some CRDs (Istio's) do not
  // list them.
  const closed = closeObjects(schema) as Json;
  const properties = {
    ...(closed.properties as Json),
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object' },
  };
  ajv ??= newAjv();
  const validate = ajv.compile({ ...closed, properties });
  compiled.set(key, validate);
  return validate;
}

/** The problems with one object; empty when it is valid. */
export function validateManifest(object: ManifestObject): string[] {
  const key = `${object.apiVersion}/${object.kind}`;
  const where = `${object.kind} ${object.metadata.namespace ?? ''}/${object.metadata.name}`;
  const Model = CORE_MODELS[key];
  if (Model !== undefined) {
    try {
      new Model(object as never).validate();
      return [];
    } catch (error) {
      return [`${where}: ${(error as Error).message}`];
    }
  }
  const validate = crdValidator(key);
  if (validate === undefined) return [`${where}: no schema for ${key}`];
  if (validate(object)) return [];
  return (validate.errors ?? []).map(
    (e) => `${where}: ${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`,
  );
}
