/**
 * The embedder's configuration: environment variables and command-line flags, validated by one
 * schema at boot so a bad value stops the process with every problem listed, before the model
 * loads. Flags win over environment variables, which win over the defaults below.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { type Static, Type } from 'typebox';
import {
  LogLevelSchema,
  resolveEnvConfig,
  envName as sharedEnvName,
} from '../../common/env-config.js';

export const EmbedderConfigSchema = Type.Object(
  {
    /** @default '127.0.0.1' - the container image sets 0.0.0.0 */
    host: Type.String({ minLength: 1, default: '127.0.0.1' }),
    /** @default 8080 - 0 picks a free port */
    port: Type.Integer({ minimum: 0, maximum: 65_535, default: 8080 }),
    /** Directory holding model.onnx, the tokenizer files and manifest.json. */
    modelDir: Type.String({ minLength: 1 }),
    /** @default 'cpu' - 'cuda' falls back to CPU, with the reason in /info, when it cannot load */
    executionProvider: Type.Union([Type.Literal('cpu'), Type.Literal('cuda')], { default: 'cpu' }),
    /**
     * The inference runtime. `auto`: OpenVINO on CPU when `openvinoLibDir` holds its runtime,
     * else onnxruntime with a warning saying why; onnxruntime for `cuda`. `openvino` fails at
     * boot when OpenVINO cannot load.
     * @default 'auto'
     */
    runtime: Type.Union(
      [Type.Literal('auto'), Type.Literal('onnxruntime'), Type.Literal('openvino')],
      { default: 'auto' },
    ),
    /**
     * Model precision: `fp32`, or `int8`: on OpenVINO the weight-compressed IR (min cosine 0.9988
     * against fp32 where the CPU has no VNNI and runs it weight-only; with VNNI OpenVINO quantizes
     * the activations too, unmeasured), on onnxruntime the static QDQ graph (below the accuracy
     * gate on short texts: min cosine 0.72; see docs/model-build.md). `auto`: fp32.
     * @default 'auto'
     */
    precision: Type.Union([Type.Literal('auto'), Type.Literal('fp32'), Type.Literal('int8')], {
      default: 'auto',
    }),
    /**
     * Directory holding OpenVINO's `libopenvino_c.so`, CPU plugin and TBB (the `openvino`
     * wheel's `openvino/libs`); `meshrag local fetch` puts one in the cache, the image in
     * /opt/openvino. Unset: OpenVINO is unavailable.
     */
    openvinoLibDir: Type.Optional(Type.String({ minLength: 1 })),
    /**
     * OpenVINO's `DYNAMIC_QUANTIZATION_GROUP_SIZE` for the weight-compressed int8 IR: values per
     * run-time activation scale (0: off, weight-only; 4294967295: one scale per token). Applied by
     * the CPU plugin only on CPUs with VNNI (`/info` `runtime.cpu_vnni`).
     * @default 32 - the plugin's own default
     */
    openvinoDynamicQuantizationGroupSize: Type.Integer({
      minimum: 0,
      maximum: 4_294_967_295,
      default: 32,
    }),
    /** @default - the CPUs this process may use (cgroup quota aware) */
    intraOpNumThreads: Type.Integer({ minimum: 1, maximum: 256 }),
    /** @default 'all' - onnxruntime graph optimization level */
    graphOptimizationLevel: Type.Union(
      [
        Type.Literal('disabled'),
        Type.Literal('basic'),
        Type.Literal('extended'),
        Type.Literal('all'),
      ],
      { default: 'all' },
    ),
    /** Upper bound on the real (unpadded) tokens of one model run. @default 16384 (as TEI) */
    maxBatchTokens: Type.Integer({ minimum: 1, default: 16_384 }),
    /** Upper bound on the inputs of one model run. @default 32 */
    maxBatchRequests: Type.Integer({ minimum: 1, default: 32 }),
    /** Requests admitted (queued or running) at once; more are answered 429. @default 512 (as TEI) */
    maxConcurrentRequests: Type.Integer({ minimum: 1, default: 512 }),
    /** Inputs one request may carry; more are answered 413. @default 128 */
    maxClientBatchSize: Type.Integer({ minimum: 1, default: 128 }),
    /** Largest request body accepted; larger ones are answered 413. @default 2 MiB */
    bodyLimitBytes: Type.Integer({ minimum: 1024, default: 2 * 1024 * 1024 }),
    /**
     * Truncate inputs longer than the model's limit when a request does not say.
     * @default true - TEI defaults to false; sentence-transformers truncates silently
     */
    autoTruncate: Type.Boolean({ default: true }),
    /** How long SIGTERM waits for queued work before exiting anyway. @default 30000 */
    shutdownTimeoutMs: Type.Integer({ minimum: 0, default: 30_000 }),
    /** @default 'info' */
    logLevel: LogLevelSchema,
  },
  { additionalProperties: false },
);

export type EmbedderConfig = Static<typeof EmbedderConfigSchema>;
export type ExecutionProvider = EmbedderConfig['executionProvider'];

/** Environment variable that sets each option, e.g. `MESHRAG_EMBEDDER_MAX_BATCH_TOKENS`. */
export function envName(key: keyof EmbedderConfig): string {
  return sharedEnvName('MESHRAG_EMBEDDER', key);
}

/** Command-line flag that sets each option, e.g. `--max-batch-tokens`. */
export function flagName(key: keyof EmbedderConfig): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** A configuration value is missing or invalid; the message lists every problem. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const CONFIG_KEYS = Object.keys(EmbedderConfigSchema.properties) as (keyof EmbedderConfig)[];

/**
 * Resolves and validates the configuration.
 * @param env usually `process.env`
 * @param argv flags only, usually `process.argv.slice(2)`
 * @param overrides typed values that win over both (tests)
 * @throws ConfigError listing each invalid or missing option with its variable and flag
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = {},
  argv: readonly string[] = [],
  overrides: Partial<EmbedderConfig> = {},
): EmbedderConfig {
  const { values: flags } = parseArgs({
    args: [...argv],
    options: Object.fromEntries(CONFIG_KEYS.map((key) => [flagName(key), { type: 'string' }])),
    strict: true,
    allowPositionals: false,
  });
  const result = resolveEnvConfig(EmbedderConfigSchema, {
    envPrefix: 'MESHRAG_EMBEDDER',
    env,
    flags: Object.fromEntries(CONFIG_KEYS.map((key) => [key, flags[flagName(key)]])),
    defaults: { intraOpNumThreads: availableCpus() },
    overrides,
  });
  if (!result.ok) {
    const problems = result.problems.map(
      ({ key, given }) =>
        `${key} (${envName(key)} or --${flagName(key)}): ${given === undefined ? 'is required' : `got ${JSON.stringify(given)}, ${describe(key)}`}`,
    );
    throw new ConfigError(`invalid embedder configuration:\n  ${problems.join('\n  ')}`);
  }
  return result.value;
}

function describe(key: keyof EmbedderConfig): string {
  const schema = EmbedderConfigSchema.properties[key] as {
    anyOf?: { const: string }[];
    minimum?: number;
    maximum?: number;
    type?: string;
  };
  if (schema.anyOf) return `expected one of ${schema.anyOf.map((s) => s.const).join(', ')}`;
  if (schema.type === 'integer') {
    return `expected an integer${schema.minimum === undefined ? '' : ` >= ${schema.minimum}`}${schema.maximum === undefined ? '' : ` <= ${schema.maximum}`}`;
  }
  return `expected a ${schema.type ?? 'value'}`;
}

/**
 * CPUs this process may use: `os.availableParallelism()` (affinity) capped by the cgroup v2 CPU
 * quota, which onnxruntime's own default ignores (onnxruntime#13974), so a pod limited to 2 CPUs
 * on a 64-core node does not start 64 threads.
 */
export function availableCpus(cgroupCpuMaxPath = '/sys/fs/cgroup/cpu.max'): number {
  const cpus = availableParallelism();
  try {
    const [quota, period] = readFileSync(cgroupCpuMaxPath, 'utf8').trim().split(/\s+/);
    if (quota && period && quota !== 'max') {
      return Math.max(1, Math.min(cpus, Math.ceil(Number(quota) / Number(period))));
    }
  } catch {
    // no cgroup v2 CPU controller: affinity is all we know
  }
  return cpus;
}
