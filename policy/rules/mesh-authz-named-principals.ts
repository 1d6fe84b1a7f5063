import {
  asArray,
  asRecord,
  asString,
  asStringArray,
} from '../../analysis/reachability/manifest-object.js';
import { isKind } from '../k8s-objects.js';
import { finding, type PolicyRule, type RuleFinding } from '../policy-rule.js';

/** ALLOW rules say who, by exact principal. */
export const meshAuthzNamedPrincipals: PolicyRule = {
  id: 'mesh-authz-named-principals',
  title: 'AuthorizationPolicies name principals',
  severity: 'mandatory',
  why: 'An ALLOW rule without `from`, with an empty `from`, with a source that names no principal (namespaces or IP blocks only) or with a `*` in a principal admits callers nobody granted; a rule with no fields at all admits everyone.',
  fix: "Grant access by intent (grantInvoke, grantIndexWrite, ...): each grant writes one rule whose source lists the grantee's exact principal cluster.local/ns/<ns>/sa/<sa>.",
  scope: 'object',
  check(objects) {
    const findings: RuleFinding[] = [];
    for (const ap of objects.filter((o) => isKind(o, 'security.istio.io', 'AuthorizationPolicy'))) {
      const spec = asRecord(ap.spec);
      if ((asString(spec.action) ?? 'ALLOW') !== 'ALLOW') continue;
      asArray(spec.rules).forEach((rule, i) => {
        const from = asArray(asRecord(rule).from);
        if (from.length === 0) {
          findings.push(finding(ap, `rules[${i}] has no 'from', so any caller matches`));
          return;
        }
        from.forEach((entry, j) => {
          const source = asRecord(asRecord(entry).source);
          const principals = asStringArray(source.principals);
          if (principals.length === 0) {
            findings.push(finding(ap, `rules[${i}].from[${j}] names no principal`));
          }
          for (const p of principals.filter((p) => p.includes('*'))) {
            findings.push(finding(ap, `rules[${i}].from[${j}] has wildcard principal '${p}'`));
          }
        });
      });
    }
    return findings;
  },
};
