import * as kplus from 'cdk8s-plus-33';

/** Plain environment values as cdk8s-plus env variables, in key order (deterministic). */
export function envVariables(
  env: Readonly<Record<string, string>>,
): Record<string, kplus.EnvValue> {
  return Object.fromEntries(
    Object.keys(env)
      .sort()
      .map((k) => [k, kplus.EnvValue.fromValue(env[k] ?? '')]),
  );
}
