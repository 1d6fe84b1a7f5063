/**
 * A service's configuration from `MESHRAG_<SERVICE>_<KEY>` environment variables (and, where a
 * service has them, command-line flags), checked against one TypeBox object schema at boot.
 * Both services read their settings this way; each keeps its own error class, message format
 * and cross-field checks, so this module returns the problems rather than throwing.
 */
import { type Static, type TObject, Type } from 'typebox';
import { Value } from 'typebox/value';

/**
 * The environment variable for a configuration key, the naming rule both services share:
 * `envName('MESHRAG_CONSUMER', 'groupId')` → `MESHRAG_CONSUMER_GROUP_ID`.
 */
export function envName(prefix: string, key: string): string {
  return `${prefix}_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

/** The `logLevel` setting both services take: pino's level names. @default 'info' */
export const LogLevelSchema = Type.Union(
  [
    Type.Literal('fatal'),
    Type.Literal('error'),
    Type.Literal('warn'),
    Type.Literal('info'),
    Type.Literal('debug'),
    Type.Literal('trace'),
    Type.Literal('silent'),
  ],
  { default: 'info' },
);

/** A configuration key of schema `S`. */
export type EnvConfigKey<S extends TObject> = keyof S['properties'] & string;

/** One key that failed the schema: its first error only, so each key is reported once. */
export interface EnvConfigProblem<S extends TObject> {
  readonly key: EnvConfigKey<S>;
  /** The value after defaults and conversion; undefined when the key is missing (required). */
  readonly given: unknown;
  /** TypeBox's message for the first error on this key. */
  readonly message: string;
}

export type EnvConfigResult<S extends TObject> =
  | { readonly ok: true; readonly value: Static<S> }
  | { readonly ok: false; readonly problems: readonly EnvConfigProblem<S>[] };

export interface ResolveEnvConfigOptions<S extends TObject> {
  /** Prefix of every variable, without the trailing underscore, e.g. `MESHRAG_EMBEDDER`. */
  readonly envPrefix: string;
  /** @default {} - pass `process.env` in `main` */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Values given as command-line flags, by configuration key; a flag wins over its variable.
   * @default {} - the service takes no flags
   */
  readonly flags?: Readonly<Partial<Record<EnvConfigKey<S>, string>>>;
  /**
   * Defaults computed at run time (e.g. from the machine), which the schema cannot declare;
   * variables and flags win over them. @default {}
   */
  readonly defaults?: Partial<Static<S>>;
  /** Typed values that win over everything else (tests, embedding callers). @default {} */
  readonly overrides?: Partial<Static<S>>;
}

/**
 * Resolves the configuration: flag, else variable (an empty string counts as unset), else
 * `defaults`, with `overrides` on top; then the schema's defaults (`Value.Default`), string
 * conversion (`Value.Convert`) and the check.
 * @returns the value, or one problem per invalid or missing key
 */
export function resolveEnvConfig<S extends TObject>(
  schema: S,
  options: ResolveEnvConfigOptions<S>,
): EnvConfigResult<S> {
  const env = options.env ?? {};
  const flags: Readonly<Partial<Record<string, string>>> = options.flags ?? {};
  const raw: Record<string, unknown> = { ...options.defaults };
  for (const key of Object.keys(schema.properties)) {
    const value = flags[key] ?? env[envName(options.envPrefix, key)];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  Object.assign(raw, options.overrides);
  const converted = Value.Convert(schema, Value.Default(schema, raw));
  if (Value.Check(schema, converted)) return { ok: true, value: converted };
  const problems = new Map<string, EnvConfigProblem<S>>();
  for (const error of Value.Errors(schema, converted)) {
    const key = (error.instancePath.slice(1) ||
      (error.params as { requiredProperties?: string[] }).requiredProperties?.[0]) as
      | EnvConfigKey<S>
      | undefined;
    if (!key || problems.has(key)) continue;
    const given = (converted as Record<string, unknown>)[key];
    problems.set(key, { key, given, message: error.message });
  }
  return { ok: false, problems: [...problems.values()] };
}
