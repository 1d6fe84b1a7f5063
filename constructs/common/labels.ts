/**
 * The labels meshrag puts on its workloads. Selectors use only `app.kubernetes.io/name`, so a
 * workload's Istio policies, NetworkPolicies and Service all select exactly the same pods.
 */
export const NAME_LABEL = 'app.kubernetes.io/name';
export const PART_OF_LABEL = 'app.kubernetes.io/part-of';
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';

/** Istio's opt-out for one pod; both the label (preferred) and the annotation are honoured. */
export const SIDECAR_INJECT = 'sidecar.istio.io/inject';

/** The namespace label every cluster sets, used by NetworkPolicy namespace selectors. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** Labels that select a workload's pods. */
export function selectorLabels(workload: string): Record<string, string> {
  return { [NAME_LABEL]: workload };
}

/** Labels for every object meshrag owns. */
export function commonLabels(workload: string): Record<string, string> {
  return { [NAME_LABEL]: workload, [PART_OF_LABEL]: 'meshrag', [MANAGED_BY_LABEL]: 'meshrag' };
}
