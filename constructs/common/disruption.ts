import { ApiObject, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-33';
import type { Construct } from 'constructs';

/** The node label that names a node's zone; well known, set by every cloud provider. */
export const ZONE_TOPOLOGY_KEY = 'topology.kubernetes.io/zone';
/** The node label that names the node. */
export const HOSTNAME_TOPOLOGY_KEY = 'kubernetes.io/hostname';

export interface PodDisruptionBudgetOptions {
  readonly namespaceName: string;
  /** The workload name, also the budget's name. */
  readonly name: string;
  readonly selectorLabels: Readonly<Record<string, string>>;
  /**
   * Pods a voluntary disruption (a drain, an upgrade) may take at once, or `'none'` to hold
   * the only replica of a stateful workload until an operator moves it deliberately.
   */
  readonly maxUnavailable: number | 'none';
}

/**
 * A PodDisruptionBudget for a workload's pods. Unhealthy pods may always be evicted, so a
 * crash-looping pod never blocks a drain.
 * @see https://kubernetes.io/docs/tasks/run-application/configure-pdb/#unhealthy-pod-eviction-policy
 */
export function addPodDisruptionBudget(
  scope: Construct,
  id: string,
  options: PodDisruptionBudgetOptions,
): kplus.k8s.KubePodDisruptionBudget {
  return new kplus.k8s.KubePodDisruptionBudget(scope, id, {
    metadata: { name: options.name, namespace: options.namespaceName },
    spec: {
      ...(options.maxUnavailable === 'none'
        ? { minAvailable: kplus.k8s.IntOrString.fromNumber(1) }
        : { maxUnavailable: kplus.k8s.IntOrString.fromNumber(options.maxUnavailable) }),
      selector: { matchLabels: { ...options.selectorLabels } },
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    },
  });
}

/**
 * Spreads a workload's pods across zones, then nodes (at most one pod more in any zone or on
 * any node than in another). `ScheduleAnyway`: a cluster with one zone, or fewer nodes than
 * pods, still runs every pod; the scheduler prefers the spread. Each rollout revision is
 * spread on its own (`pod-template-hash`), so a rolling update does not skew the new pods.
 * @see https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/
 */
export function addTopologySpread(
  workload: kplus.Deployment,
  selectorLabels: Readonly<Record<string, string>>,
): void {
  const constraint = (topologyKey: string) => ({
    maxSkew: 1,
    topologyKey,
    whenUnsatisfiable: 'ScheduleAnyway',
    labelSelector: { matchLabels: { ...selectorLabels } },
    matchLabelKeys: ['pod-template-hash'],
  });
  ApiObject.of(workload).addJsonPatch(
    JsonPatch.add('/spec/template/spec/topologySpreadConstraints', [
      constraint(ZONE_TOPOLOGY_KEY),
      constraint(HOSTNAME_TOPOLOGY_KEY),
    ]),
  );
}
