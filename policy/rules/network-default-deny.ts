import { asArray, asRecord, asStringArray } from '../../analysis/reachability/manifest-object.js';
import { isEmptySelector, isKind, isWorkload } from '../k8s-objects.js';
import { finding, type PolicyRule } from '../policy-rule.js';

/** Strimzi custom resources that make the operator run pods in their namespace. */
const STRIMZI_POD_KINDS = new Set([
  'Kafka',
  'KafkaNodePool',
  'KafkaConnect',
  'KafkaMirrorMaker2',
  'KafkaBridge',
]);

/** A default-deny NetworkPolicy, for ingress and for egress, where pods run. */
export const networkDefaultDeny: PolicyRule = {
  id: 'network-default-deny',
  title: 'Default-deny NetworkPolicy (ingress and egress) where workloads run',
  severity: 'mandatory',
  why: 'NetworkPolicies are the layer under the mesh: they still hold for pods without a sidecar, a bypassed sidecar or a non-mesh port. Without a namespace-wide deny, every pod no policy selects is open both ways.',
  fix: "Add a NetworkPolicy with podSelector: {} and policyTypes [Ingress, Egress] and no rules (MeshNamespace's 'default-deny'); open what is needed with grants.",
  scope: 'stack',
  check(objects) {
    const namespaces = new Set<string>();
    for (const o of objects) {
      const runsPods =
        isWorkload(o) ||
        (o.apiVersion.startsWith('kafka.strimzi.io/') && STRIMZI_POD_KINDS.has(o.kind));
      if (runsPods) namespaces.add(o.metadata.namespace ?? 'default');
    }
    const findings = [];
    for (const ns of [...namespaces].sort()) {
      const policies = objects.filter(
        (o) =>
          isKind(o, 'networking.k8s.io', 'NetworkPolicy') &&
          (o.metadata.namespace ?? 'default') === ns &&
          isEmptySelector(asRecord(o.spec).podSelector),
      );
      const denies = (type: 'Ingress' | 'Egress', field: 'ingress' | 'egress') =>
        policies.some((p) => {
          const spec = asRecord(p.spec);
          const types = asStringArray(spec.policyTypes);
          // policyTypes defaults to [Ingress] (plus Egress when egress rules exist).
          const covers = types.length === 0 ? type === 'Ingress' : types.includes(type);
          return covers && asArray(spec[field]).length === 0;
        });
      const missing = [
        ...(denies('Ingress', 'ingress') ? [] : ['ingress']),
        ...(denies('Egress', 'egress') ? [] : ['egress']),
      ];
      if (missing.length > 0) {
        findings.push(
          finding(
            { kind: 'Namespace', name: ns },
            `namespace ${ns} runs workloads but denies no ${missing.join(' and no ')} by default`,
          ),
        );
      }
    }
    return findings;
  },
};
