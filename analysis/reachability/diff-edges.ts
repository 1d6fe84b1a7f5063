/**
 * Compares actual edges with expected ones. An edge covers another with the same source and
 * target when its method is `*` or the same, and its path (or Kafka resource) is `*`, the same,
 * or a pattern that matches it: so a wide-open `* *` edge still counts as reaching a granted
 * `POST /embed`, and shows up as extra.
 */
import { istioPathMatch, istioStringMatch } from './istio-string-match.js';
import {
  ANY,
  edgeKey,
  type ReachabilityEdge,
  sortEdges,
  sourceKey,
  targetKey,
} from './reachability-edge.js';

export interface EdgeDiff {
  /** Expected (granted) but covered by no actual edge. */
  readonly missing: readonly ReachabilityEdge[];
  /** Actual edges that no expected edge covers: reach nobody granted. */
  readonly extra: readonly ReachabilityEdge[];
}

/** True when `wide` allows at least everything `narrow` does. */
export function edgeCovers(wide: ReachabilityEdge, narrow: ReachabilityEdge): boolean {
  if (edgeKey(wide) === edgeKey(narrow)) return true;
  if (wide.kind !== narrow.kind || sourceKey(wide.source) !== sourceKey(narrow.source))
    return false;
  if (targetKey(wide) !== targetKey(narrow)) return false;
  const patternCovers = (
    pattern: string,
    value: string,
    match: (pattern: string, value: string) => boolean = istioStringMatch,
  ): boolean =>
    pattern === ANY ||
    pattern === value ||
    (pattern.includes('*') && !value.includes('*') && match(pattern, value));
  if (wide.kind === 'http' && narrow.kind === 'http') {
    return (
      (wide.method === ANY || wide.method === narrow.method) &&
      patternCovers(wide.path, narrow.path, istioPathMatch)
    );
  }
  if (wide.kind === 'kafka' && narrow.kind === 'kafka') {
    return (
      wide.resourceType === narrow.resourceType &&
      wide.operation === narrow.operation &&
      patternCovers(wide.resource, narrow.resource)
    );
  }
  return false;
}

export function diffEdges(
  actual: readonly ReachabilityEdge[],
  expected: readonly ReachabilityEdge[],
): EdgeDiff {
  return {
    missing: sortEdges(expected.filter((e) => !actual.some((a) => edgeCovers(a, e)))),
    extra: sortEdges(actual.filter((a) => !expected.some((e) => edgeCovers(e, a)))),
  };
}
