/**
 * Turns the settings of `stacks/Pulumi.<stack>.yaml` (the `meshrag:` keys, as the Pulumi
 * engine hands them to the program) into the typed stack config: the named typed stack, with
 * the YAML's settings on top. Every key and value is checked against a schema, and the result
 * against the rules that span keys, so a wrong file fails before any resource is touched, with
 * a message naming the key and the fix.
 */
import { Ajv, type ErrorObject } from 'ajv';
import { type TSchema, Type } from 'typebox';
import type { ClusterSettings, DeploySettings, StackConfig } from './stack-config.js';
import { getStack, stackNames } from './stack-registry.js';

/** The config namespace of every meshrag key (`meshrag:<key>` in the stack file). */
export const CONFIG_NAMESPACE = 'meshrag';

const positiveInt = Type.Integer({ minimum: 1 });
const count = Type.Integer({ minimum: 0 });
const strict = { additionalProperties: false } as const;

const kubeconfigCluster = Type.Object(
  { provider: Type.Literal('kubeconfig'), context: Type.Optional(Type.String({ minLength: 1 })) },
  strict,
);
const eksCluster = Type.Object(
  {
    provider: Type.Literal('eks'),
    kubernetesVersion: Type.Optional(Type.String({ pattern: '^1\\.[0-9]+$' })),
    vpcCidr: Type.Optional(Type.String({ pattern: '^[0-9.]+/[0-9]+$' })),
    nodeInstanceTypes: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
    nodeMinSize: count,
    nodeMaxSize: positiveInt,
    nodeDesiredSize: count,
  },
  strict,
);

/** Each `meshrag:` key of the stack file and its schema. */
const KEY_SCHEMAS: Readonly<Record<string, TSchema>> = {
  stack: Type.Union(stackNames.map((n) => Type.Literal(n))),
  cluster: Type.Object({ provider: Type.Union([Type.Literal('kubeconfig'), Type.Literal('eks')]) }),
  kubeconfig: Type.String({ minLength: 1 }),
  gpuNodePool: Type.Object(
    {
      instanceTypes: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
      minSize: count,
      maxSize: positiveInt,
      desiredSize: count,
      diskSizeGiB: Type.Optional(Type.Integer({ minimum: 20 })),
    },
    strict,
  ),
  images: Type.Object({ source: Type.Union([Type.Literal('prebuilt'), Type.Literal('build')]) }),
  skipAwait: Type.Boolean(),
  embedder: Type.Object(
    {
      accelerator: Type.Optional(Type.Union([Type.Literal('cpu'), Type.Literal('gpu')])),
      gpuCount: Type.Optional(positiveInt),
      minReplicas: Type.Optional(positiveInt),
      maxReplicas: Type.Optional(positiveInt),
    },
    strict,
  ),
  consumer: Type.Object({ replicas: Type.Optional(positiveInt) }, strict),
};

/** The keys a stack file may set, without the namespace. */
export const CONFIG_KEYS: readonly string[] = Object.keys(KEY_SCHEMAS);

// verbose: errors carry their schema, so a union's message can list its choices.
const ajv = new Ajv({ allErrors: false, strict: false, verbose: true });
const validators = new Map(Object.entries(KEY_SCHEMAS).map(([k, s]) => [k, ajv.compile(s)]));
// Keys whose fields depend on one field: checked once for that field, then by its value, so the
// message is about the branch the user meant rather than the first branch of a union.
const variantValidators: Readonly<
  Record<string, Readonly<Record<string, ReturnType<typeof ajv.compile>>>>
> = {
  cluster: { kubeconfig: ajv.compile(kubeconfigCluster), eks: ajv.compile(eksCluster) },
  images: {
    prebuilt: ajv.compile(
      Type.Object(
        {
          source: Type.Literal('prebuilt'),
          embedder: Type.Optional(Type.String({ minLength: 1 })),
          consumer: Type.Optional(Type.String({ minLength: 1 })),
        },
        strict,
      ),
    ),
    build: ajv.compile(
      Type.Object(
        { source: Type.Literal('build'), registry: Type.String({ minLength: 1 }) },
        strict,
      ),
    ),
  },
};
const VARIANT_FIELD: Readonly<Record<string, string>> = { cluster: 'provider', images: 'source' };

/**
 * The typed config of a Pulumi stack.
 * @param stackName the Pulumi stack (`pulumi.getStack()`); it names the typed stack unless
 *   `meshrag:stack` does
 * @param rawConfig every config value of the stack as the engine passes it
 *   (`pulumi.runtime.allConfig()`): `<namespace>:<key>` → string, objects as JSON
 * @throws Error naming the key, the value and the fix
 */
export function resolveStackConfig(
  stackName: string,
  rawConfig: Readonly<Record<string, string>>,
): StackConfig {
  const file = `stacks/Pulumi.${stackName}.yaml`;
  const values: Record<string, unknown> = {};
  for (const [fullKey, raw] of Object.entries(rawConfig)) {
    const [namespace, key] = splitKey(fullKey);
    if (namespace !== CONFIG_NAMESPACE) continue;
    if (!validators.has(key)) {
      throw new Error(
        `${file}: unknown config key '${fullKey}'; known keys are ${CONFIG_KEYS.map((k) => `${CONFIG_NAMESPACE}:${k}`).join(', ')}`,
      );
    }
    const value = parseValue(raw);
    check(file, key, value, validators.get(key));
    const field = VARIANT_FIELD[key];
    if (field !== undefined) {
      const variant = (value as Record<string, string>)[field] ?? '';
      check(file, key, value, variantValidators[key]?.[variant]);
    }
    values[key] = value;
  }

  const baseName = (values.stack as string | undefined) ?? stackName;
  if (!stackNames.includes(baseName)) {
    throw new Error(
      `${file}: no typed stack named '${baseName}'; set ${CONFIG_NAMESPACE}:stack to one of ${stackNames.join(', ')}`,
    );
  }
  const base = getStack(baseName);
  const embedderOverride = (values.embedder ?? {}) as Partial<StackConfig['embedder']>;
  const consumerOverride = (values.consumer ?? {}) as Partial<StackConfig['consumer']>;
  const imageSettings = values.images as
    | { source: 'prebuilt'; embedder?: string; consumer?: string }
    | { source: 'build'; registry: string }
    | undefined;

  const deploy: DeploySettings = {
    cluster: (values.cluster as ClusterSettings | undefined) ?? base.deploy.cluster,
    images:
      imageSettings === undefined
        ? base.deploy.images
        : imageSettings.source === 'build'
          ? { source: 'build', registry: imageSettings.registry }
          : { source: 'prebuilt' },
    skipAwait: (values.skipAwait as boolean | undefined) ?? base.deploy.skipAwait,
    ...withGpuPool(values.gpuNodePool ?? base.deploy.gpuNodePool),
  };
  const embedder = { ...base.embedder, ...embedderOverride };
  if (embedderOverride.accelerator === 'cpu' && embedderOverride.gpuCount === undefined) {
    delete (embedder as { gpuCount?: number }).gpuCount;
  }
  const config: StackConfig = {
    ...base,
    name: stackName,
    images: {
      ...base.images,
      ...(imageSettings?.source === 'prebuilt' && imageSettings.embedder !== undefined
        ? { embedder: imageSettings.embedder }
        : {}),
      ...(imageSettings?.source === 'prebuilt' && imageSettings.consumer !== undefined
        ? { consumer: imageSettings.consumer }
        : {}),
    },
    embedder,
    consumer: { ...base.consumer, ...consumerOverride },
    deploy,
  };
  validateDeploySettings(file, config);
  return config;
}

/** The rules that span keys. */
export function validateDeploySettings(file: string, config: StackConfig): void {
  const { deploy, embedder } = config;
  if (embedder.accelerator === 'gpu' && deploy.gpuNodePool === undefined) {
    throw new Error(
      `${file}: the embedder asks for GPUs (accelerator: gpu) but the stack has no GPU node pool; set ${CONFIG_NAMESPACE}:gpuNodePool (EKS stacks) or ${CONFIG_NAMESPACE}:embedder.accelerator: cpu`,
    );
  }
  if (deploy.gpuNodePool !== undefined && deploy.cluster.provider !== 'eks') {
    throw new Error(
      `${file}: ${CONFIG_NAMESPACE}:gpuNodePool needs an EKS cluster (${CONFIG_NAMESPACE}:cluster.provider: eks); on an existing cluster, label its GPU nodes nvidia.com/gpu.present=true, install the NVIDIA device plugin and drop gpuNodePool`,
    );
  }
  const pool = deploy.gpuNodePool;
  if (
    pool !== undefined &&
    !(pool.minSize <= pool.desiredSize && pool.desiredSize <= pool.maxSize)
  ) {
    throw new Error(
      `${file}: ${CONFIG_NAMESPACE}:gpuNodePool sizes must satisfy minSize <= desiredSize <= maxSize, got ${pool.minSize} <= ${pool.desiredSize} <= ${pool.maxSize}`,
    );
  }
  const cluster = deploy.cluster;
  if (
    cluster.provider === 'eks' &&
    !(
      cluster.nodeMinSize <= cluster.nodeDesiredSize &&
      cluster.nodeDesiredSize <= cluster.nodeMaxSize
    )
  ) {
    throw new Error(
      `${file}: ${CONFIG_NAMESPACE}:cluster node sizes must satisfy nodeMinSize <= nodeDesiredSize <= nodeMaxSize, got ${cluster.nodeMinSize} <= ${cluster.nodeDesiredSize} <= ${cluster.nodeMaxSize}`,
    );
  }
  if (
    deploy.images.source === 'build' &&
    deploy.images.registry === 'ecr' &&
    cluster.provider !== 'eks'
  ) {
    throw new Error(
      `${file}: ${CONFIG_NAMESPACE}:images.registry 'ecr' needs an EKS stack (AWS credentials); on an existing cluster give a registry address (e.g. 'ghcr.io/acme') or use source: prebuilt`,
    );
  }
  if (embedder.accelerator === 'cpu' && embedder.gpuCount !== undefined) {
    throw new Error(
      `${file}: ${CONFIG_NAMESPACE}:embedder.gpuCount is set on a CPU embedder; set embedder.accelerator: gpu or drop gpuCount`,
    );
  }
}

function withGpuPool(pool: unknown): Pick<DeploySettings, 'gpuNodePool'> {
  return pool === undefined
    ? {}
    : { gpuNodePool: pool as NonNullable<DeploySettings['gpuNodePool']> };
}

function splitKey(fullKey: string): [string, string] {
  const i = fullKey.indexOf(':');
  return i === -1 ? ['', fullKey] : [fullKey.slice(0, i), fullKey.slice(i + 1)];
}

// The engine passes every value as a string: objects, arrays, numbers and booleans as JSON.
function parseValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function check(
  file: string,
  key: string,
  value: unknown,
  validate: ReturnType<typeof ajv.compile> | undefined,
): void {
  if (validate === undefined || validate(value)) return;
  // In a union, ajv lists each branch's failure before the union's own: report the union's.
  const error = validate.errors?.find((e) => e.keyword === 'anyOf') ?? validate.errors?.[0];
  throw new Error(
    `${file}: ${CONFIG_NAMESPACE}:${key}${error?.instancePath ?? ''} ${describe(error)}, got ${JSON.stringify(value)}`,
  );
}

function describe(error: ErrorObject | undefined): string {
  if (error === undefined) return 'is invalid';
  if (error.keyword === 'additionalProperties') {
    return `has an unknown field '${String(error.params.additionalProperty)}'`;
  }
  if (error.keyword === 'anyOf' || error.keyword === 'const') {
    const allowed = Array.isArray(error.schema)
      ? (error.schema as { const?: unknown }[]).map((s) => JSON.stringify(s.const)).join(', ')
      : JSON.stringify(error.schema);
    return allowed ? `must be one of ${allowed}` : 'is not an allowed value';
  }
  return error.message ?? 'is invalid';
}
