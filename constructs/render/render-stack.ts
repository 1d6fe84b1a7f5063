import { App } from 'cdk8s';
import type { GrantRecord } from '../grants/grant-record.js';
import { MeshragStack } from '../meshrag-app.js';
import type { MeshragStackConfig } from '../meshrag-stack-config.js';

/** A rendered Kubernetes object (plain JSON). */
export interface RenderedObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly [key: string]: unknown;
  };
  readonly [key: string]: unknown;
}

export interface RenderedStack {
  readonly stack: string;
  /** Every Kubernetes object of the stack, in apply order (see {@link compareObjects}). */
  readonly objects: readonly RenderedObject[];
  /** Every grant, as data. */
  readonly grants: readonly GrantRecord[];
}

// Apply order: what others depend on first (namespaces, identities, policies before workloads).
const KIND_ORDER = [
  'Namespace',
  'ServiceAccount',
  'PeerAuthentication',
  'AuthorizationPolicy',
  'NetworkPolicy',
  'Service',
  // Before the StatefulSet, which adopts the claim by name instead of creating its own.
  'PersistentVolumeClaim',
  'StatefulSet',
  'Deployment',
  'HorizontalPodAutoscaler',
  'PodDisruptionBudget',
  'Kafka',
  'KafkaNodePool',
  'KafkaTopic',
  'KafkaUser',
  'ServiceMonitor',
  'PodMonitor',
  'PrometheusRule',
  'ScaledObject',
  'TriggerAuthentication',
];

/** Orders objects by kind (apply order), then namespace, then name: a stable total order. */
export function compareObjects(a: RenderedObject, b: RenderedObject): number {
  const rank = (o: RenderedObject) => {
    const i = KIND_ORDER.indexOf(o.kind);
    return i === -1 ? KIND_ORDER.length : i;
  };
  return (
    rank(a) - rank(b) ||
    compareStrings(a.kind, b.kind) ||
    compareStrings(a.metadata.namespace ?? '', b.metadata.namespace ?? '') ||
    compareStrings(a.metadata.name, b.metadata.name)
  );
}

// By UTF-16 code unit, not locale: the order must not depend on the machine's ICU data.
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Renders a stack offline: every object and every grant. Pure: no files, no cluster, no
 * environment; the same input gives the same output.
 */
export function renderStack(config: MeshragStackConfig): RenderedStack {
  const app = new App({ outdir: '.' });
  const chart = new MeshragStack(app, config.name, { config });
  const objects = (chart.toJson() as RenderedObject[]).slice().sort(compareObjects);
  const seen = new Set<string>();
  for (const o of objects) {
    const key = `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    if (seen.has(key)) throw new Error(`stack ${config.name} renders ${key} twice`);
    seen.add(key);
  }
  return { stack: config.name, objects, grants: chart.grants };
}
