/**
 * Istio's string matching for AuthorizationPolicy fields: exact, prefix (`abc*`), suffix
 * (`*abc`) or presence (`*`); for paths also Envoy URI templates (`/a/{*}/b`, `/a/{**}`).
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

/** True when a path holds Envoy URI template operators, which Istio then matches as a template. */
export function isPathTemplate(pattern: string): boolean {
  return pattern.includes('{*}') || pattern.includes('{**}');
}

/**
 * Istio's path matching: a path with `{*}` (exactly one segment) or `{**}` (the rest of the
 * path, as the last operator) is an Envoy URI template (istio#47306, Istio 1.22+); anything
 * else matches as {@link istioStringMatch}.
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/path/match/uri_template/v3/uri_template_match.proto
 */
export function istioPathMatch(pattern: string, value: string | null): boolean {
  if (value === null) return false;
  if (!isPathTemplate(pattern)) return istioStringMatch(pattern, value);
  const source = pattern
    .split(/(\{\*\*\}|\{\*\})/)
    .map((part) =>
      part === '{**}'
        ? '[^?#]*'
        : part === '{*}'
          ? '[^/?#]+'
          : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('');
  return new RegExp(`^${source}$`, 's').test(value);
}

/** True when any path pattern matches. */
export function istioPathMatchesAny(patterns: readonly string[], value: string | null): boolean {
  return patterns.some((pattern) => istioPathMatch(pattern, value));
}
