/**
 * An edge: one thing one identity can do to one target. Edges from the analysis and edges
 * expected from grants have the same shape so they can be compared as sets.
 */
import type { KafkaResourceType } from './reachability-model.js';

/**
 * Who: a mesh identity (the principal a workload's ServiceAccount gives it, also for workloads
 * without a sidecar, which cannot present it), or `unknown`: any pod the manifests do not name,
 * in any namespace, with or without a sidecar, with any unlisted principal.
 */
export type EdgeSource =
  | { readonly kind: 'identity'; readonly principal: string }
  | { readonly kind: 'unknown' };

/** A workload's pods on one (container) port. */
export interface WorkloadPortRef {
  readonly namespace: string;
  readonly workload: string;
  /** Container port; 0 stands for any port the pods do not declare (shown as `*`). */
  readonly port: number;
}

/** `8080`, or `*` for the undeclared-port stand-in. */
export function portLabel(port: number): string {
  return port === 0 ? ANY : String(port);
}

/** Any method or path; also stands for "methods/paths no policy names". */
export const ANY = '*';

export type ReachabilityEdge =
  | {
      readonly kind: 'http';
      readonly source: EdgeSource;
      readonly target: WorkloadPortRef;
      /** An HTTP method, or `*`. */
      readonly method: string;
      /** A path or Istio path pattern (`/api/*`), or `*`. */
      readonly path: string;
    }
  | { readonly kind: 'tcp'; readonly source: EdgeSource; readonly target: WorkloadPortRef }
  | {
      readonly kind: 'kafka';
      readonly source: EdgeSource;
      /** `<namespace>/<Kafka name>`. */
      readonly cluster: string;
      readonly resourceType: KafkaResourceType;
      /** Resource name; a prefix pattern shows as `prefix*`, and `*` is any unlisted name. */
      readonly resource: string;
      readonly operation: string;
    };

export const UNKNOWN_SOURCE: EdgeSource = { kind: 'unknown' };

export function identitySource(principal: string): EdgeSource {
  return { kind: 'identity', principal };
}

export function sourceKey(source: EdgeSource): string {
  return source.kind === 'unknown' ? 'unknown' : source.principal;
}

export function targetKey(edge: ReachabilityEdge): string {
  switch (edge.kind) {
    case 'http':
    case 'tcp':
      return `${edge.target.namespace}/${edge.target.workload}:${portLabel(edge.target.port)}`;
    case 'kafka':
      return `kafka:${edge.cluster}`;
  }
}

/** A stable, human-readable key: equal edges have equal keys. */
export function edgeKey(edge: ReachabilityEdge): string {
  const from = sourceKey(edge.source);
  switch (edge.kind) {
    case 'http':
      return `${from} -> ${targetKey(edge)} http ${edge.method} ${edge.path}`;
    case 'tcp':
      return `${from} -> ${targetKey(edge)} tcp`;
    case 'kafka':
      return `${from} -> ${targetKey(edge)} ${edge.resourceType}:${edge.resource} ${edge.operation}`;
  }
}

/** Deduplicates and sorts edges by key, so outputs are deterministic. */
export function sortEdges(edges: Iterable<ReachabilityEdge>): ReachabilityEdge[] {
  const byKey = new Map<string, ReachabilityEdge>();
  for (const edge of edges) byKey.set(edgeKey(edge), edge);
  return [...byKey.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, edge]) => edge);
}
