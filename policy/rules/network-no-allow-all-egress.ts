import { asArray, asRecord, asString } from '../../analysis/reachability/manifest-object.js';
import { isEmptySelector, isKind } from '../k8s-objects.js';
import { finding, type PolicyRule, type RuleFinding } from '../policy-rule.js';

/** A peer that matches everything: no peer at all, `{}`, every namespace, or a /0 block. */
function isOpenPeer(peer: unknown): boolean {
  const p = asRecord(peer);
  const cidr = asString(asRecord(p.ipBlock).cidr);
  if (cidr !== undefined)
    return cidr.endsWith('/0') && asArray(asRecord(p.ipBlock).except).length === 0;
  if (p.namespaceSelector === undefined) return p.podSelector === undefined;
  return isEmptySelector(p.namespaceSelector) && isEmptySelector(p.podSelector);
}

/** No egress rule opens every destination on every port. */
export const networkNoAllowAllEgress: PolicyRule = {
  id: 'network-no-allow-all-egress',
  title: 'No NetworkPolicy allows all egress',
  severity: 'mandatory',
  why: 'One egress rule with no destination and no port undoes the default deny for every pod it selects: exfiltration and lateral movement open again.',
  fix: 'Name the destination (namespaceSelector + podSelector, or a narrow ipBlock) and the ports; grants write exactly that.',
  scope: 'object',
  check(objects) {
    const findings: RuleFinding[] = [];
    for (const np of objects.filter((o) => isKind(o, 'networking.k8s.io', 'NetworkPolicy'))) {
      asArray(asRecord(np.spec).egress).forEach((rule, i) => {
        const r = asRecord(rule);
        const to = asArray(r.to);
        const anyDestination = to.length === 0 || to.some(isOpenPeer);
        if (anyDestination && asArray(r.ports).length === 0) {
          findings.push(finding(np, `egress[${i}] allows every destination on every port`));
        }
      });
    }
    return findings;
  },
};
