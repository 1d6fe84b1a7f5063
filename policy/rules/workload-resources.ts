import { asRecord } from '../../analysis/reachability/manifest-object.js';
import { containersOf, isWorkload, podSpecOf } from '../k8s-objects.js';
import { finding, type PolicyRule, type RuleFinding } from '../policy-rule.js';

/** CPU and memory requests and a memory limit on every container. */
export const workloadResources: PolicyRule = {
  id: 'workload-resources',
  title: 'Containers request CPU and memory and limit memory',
  severity: 'mandatory',
  why: 'Without requests the scheduler packs pods blind and they are evicted first; without a memory limit one leaking pod takes the node (and its neighbours) down. A CPU limit is deliberately not required: it throttles latency-bound services (WorkloadResources leaves it optional).',
  fix: 'Give the construct WorkloadResources (cpuRequestMillis, memoryRequestMiB, memoryLimitMiB).',
  scope: 'object',
  check(objects) {
    const findings: RuleFinding[] = [];
    for (const w of objects.filter(isWorkload)) {
      for (const c of containersOf(podSpecOf(w))) {
        const resources = asRecord(c.spec.resources);
        const requests = asRecord(resources.requests);
        const limits = asRecord(resources.limits);
        const missing = [
          ...(requests.cpu === undefined ? ['requests.cpu'] : []),
          ...(requests.memory === undefined ? ['requests.memory'] : []),
          ...(limits.memory === undefined ? ['limits.memory'] : []),
        ];
        if (missing.length > 0) {
          findings.push(finding(w, `container '${c.name}' has no ${missing.join(', ')}`));
        }
      }
    }
    return findings;
  },
};
