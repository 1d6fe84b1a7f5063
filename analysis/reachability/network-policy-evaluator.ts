/**
 * Kubernetes NetworkPolicy semantics: a pod selected by any policy of a type (Ingress/Egress)
 * is isolated for that direction, and a connection is allowed when any of those policies
 * allows it; a connection needs the source's egress and the target's ingress.
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
import { type KnownLabels, matchesLabelSelector } from './label-selector.js';
import {
  asArray,
  asPortNumber,
  asRecord,
  asString,
  asStringArray,
  namespaceOf,
} from './manifest-object.js';
import type { PolicyObject, Workload, WorkloadPort } from './reachability-model.js';

/** One end of a connection as NetworkPolicies see it: a pod's labels and its namespace's labels. */
export interface NetworkEndpoint {
  /** Null for a namespace the manifests do not contain (no policy there is known). */
  readonly namespace: string | null;
  readonly namespaceLabels: KnownLabels;
  readonly podLabels: KnownLabels;
}

/** Where a connection goes: a workload's pods on one of their ports. */
export interface NetworkTarget {
  readonly workload: Workload;
  readonly port: WorkloadPort;
  readonly namespaceLabels: KnownLabels;
}

/** True when both the source's egress and the target's ingress allow the TCP connection. */
export function networkAllows(
  policies: readonly PolicyObject[],
  source: NetworkEndpoint,
  target: NetworkTarget,
  notes: Set<string>,
): boolean {
  return (
    egressAllows(policies, source, target, notes) && ingressAllows(policies, source, target, notes)
  );
}

function policyTypes(spec: Readonly<Record<string, unknown>>): readonly string[] {
  const declared = asStringArray(spec.policyTypes);
  if (declared.length > 0) return declared;
  return spec.egress === undefined ? ['Ingress'] : ['Ingress', 'Egress'];
}

function ingressAllows(
  policies: readonly PolicyObject[],
  source: NetworkEndpoint,
  target: NetworkTarget,
  notes: Set<string>,
): boolean {
  const selecting = policies.filter(({ object }) => {
    const spec = asRecord(object.spec);
    return (
      namespaceOf(object) === target.workload.namespace &&
      policyTypes(spec).includes('Ingress') &&
      matchesLabelSelector(spec.podSelector, target.workload.labels)
    );
  });
  if (selecting.length === 0) return true;
  return selecting.some(({ object }) =>
    asArray(asRecord(object.spec).ingress).some((entry) => {
      const rule = asRecord(entry);
      if (!portsMatch(rule.ports, target.port)) return false;
      const peers = asArray(rule.from);
      if (peers.length === 0) return true;
      return peers.some((peer) =>
        peerMatches(
          peer,
          namespaceOf(object),
          source,
          `${namespaceOf(object)}/${object.metadata.name}`,
          notes,
        ),
      );
    }),
  );
}

function egressAllows(
  policies: readonly PolicyObject[],
  source: NetworkEndpoint,
  target: NetworkTarget,
  notes: Set<string>,
): boolean {
  if (source.namespace === null) return true;
  const selecting = policies.filter(({ object }) => {
    const spec = asRecord(object.spec);
    return (
      namespaceOf(object) === source.namespace &&
      policyTypes(spec).includes('Egress') &&
      matchesLabelSelector(spec.podSelector, source.podLabels)
    );
  });
  if (selecting.length === 0) return true;
  const destination: NetworkEndpoint = {
    namespace: target.workload.namespace,
    namespaceLabels: target.namespaceLabels,
    podLabels: target.workload.labels,
  };
  return selecting.some(({ object }) =>
    asArray(asRecord(object.spec).egress).some((entry) => {
      const rule = asRecord(entry);
      if (!portsMatch(rule.ports, target.port)) return false;
      const peers = asArray(rule.to);
      if (peers.length === 0) return true;
      return peers.some((peer) =>
        peerMatches(
          peer,
          namespaceOf(object),
          destination,
          `${namespaceOf(object)}/${object.metadata.name}`,
          notes,
        ),
      );
    }),
  );
}

/**
 * A `from`/`to` peer against the other end. An `ipBlock` of every address matches every peer;
 * any other `ipBlock` is assumed to match (pod IPs are unknown).
 */
function peerMatches(
  peer: unknown,
  policyNamespace: string,
  other: NetworkEndpoint,
  policyName: string,
  notes: Set<string>,
): boolean {
  const record = asRecord(peer);
  if (record.ipBlock !== undefined) {
    const block = asRecord(record.ipBlock);
    // Every address: exact, nothing assumed (pods included).
    if (['0.0.0.0/0', '::/0'].includes(asString(block.cidr) ?? '') && block.except === undefined)
      return true;
    notes.add(
      `NetworkPolicy ${policyName}: ipBlock peers are assumed to match every peer (pod IPs are not in manifests)`,
    );
    return true;
  }
  const hasPod = record.podSelector !== undefined;
  const hasNamespace = record.namespaceSelector !== undefined;
  if (!hasPod && !hasNamespace) return false;
  if (hasNamespace) {
    if (!matchesLabelSelector(record.namespaceSelector, other.namespaceLabels)) return false;
  } else if (other.namespace !== policyNamespace) {
    return false;
  }
  return !hasPod || matchesLabelSelector(record.podSelector, other.podLabels);
}

/** Rule ports: none means every port; a named port matches the container port of that name. */
function portsMatch(ports: unknown, target: WorkloadPort): boolean {
  const list = asArray(ports);
  if (list.length === 0) return true;
  return list.some((entry) => {
    const record = asRecord(entry);
    if ((asString(record.protocol) ?? 'TCP') !== 'TCP') return false;
    if (record.port === undefined) return true;
    const number = asPortNumber(record.port);
    if (number === undefined) return typeof record.port === 'string' && record.port === target.name;
    const end = asPortNumber(record.endPort) ?? number;
    return target.port >= number && target.port <= end;
  });
}
