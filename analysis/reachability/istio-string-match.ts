/**
 * Istio's string matching for AuthorizationPolicy fields: exact, prefix (`abc*`), suffix
 * (`*abc`) or presence (`*`).
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#Rule
 */

/** True when `value` matches the Istio pattern. A missing value (`null`) matches nothing. */
export function istioStringMatch(pattern: string, value: string | null): boolean {
  if (value === null) return false;
  if (pattern === '*') return value.length > 0;
  if (pattern.startsWith('*')) return value.endsWith(pattern.slice(1));
  if (pattern.endsWith('*')) return value.startsWith(pattern.slice(0, -1));
  return value === pattern;
}

/** True when any pattern matches. */
export function istioMatchesAny(patterns: readonly string[], value: string | null): boolean {
  return patterns.some((pattern) => istioStringMatch(pattern, value));
}
