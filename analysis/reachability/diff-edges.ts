/** Set difference of two edge lists, by edge key. */
import { edgeKey, type ReachabilityEdge, sortEdges } from './reachability-edge.js';

export interface EdgeDiff {
  /** Expected (granted) but not reachable. */
  readonly missing: readonly ReachabilityEdge[];
  /** Reachable but not granted: the ones that matter for security. */
  readonly extra: readonly ReachabilityEdge[];
}

export function diffEdges(
  actual: readonly ReachabilityEdge[],
  expected: readonly ReachabilityEdge[],
): EdgeDiff {
  const actualKeys = new Set(actual.map(edgeKey));
  const expectedKeys = new Set(expected.map(edgeKey));
  return {
    missing: sortEdges(expected.filter((edge) => !actualKeys.has(edgeKey(edge)))),
    extra: sortEdges(actual.filter((edge) => !expectedKeys.has(edgeKey(edge)))),
  };
}
