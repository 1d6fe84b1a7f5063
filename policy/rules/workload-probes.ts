import { containersOf, isWorkload, LONG_RUNNING_KINDS, podSpecOf } from '../k8s-objects.js';
import { finding, type PolicyRule, type RuleFinding } from '../policy-rule.js';

/** Long-running containers have liveness and readiness probes. */
export const workloadProbes: PolicyRule = {
  id: 'workload-probes',
  title: 'Containers have liveness and readiness probes',
  severity: 'mandatory',
  why: 'Without readiness a pod gets traffic before its model is loaded; without liveness a wedged consumer holds its partitions forever and lag grows with nothing restarting it.',
  fix: 'Add readiness and liveness probes (the services serve /health); a slow start gets a startup probe, not a long initial delay.',
  scope: 'object',
  check(objects) {
    const findings: RuleFinding[] = [];
    for (const w of objects.filter((o) => isWorkload(o) && LONG_RUNNING_KINDS.has(o.kind))) {
      for (const c of containersOf(podSpecOf(w)).filter((c) => !c.init)) {
        const missing = [
          ...(c.spec.livenessProbe === undefined ? ['liveness'] : []),
          ...(c.spec.readinessProbe === undefined ? ['readiness'] : []),
        ];
        if (missing.length > 0) {
          findings.push(finding(w, `container '${c.name}' has no ${missing.join(' or ')} probe`));
        }
      }
    }
    return findings;
  },
};
