import {
  asArray,
  asRecord,
  asString,
  asStringArray,
} from '../../analysis/reachability/manifest-object.js';
import { containersOf, isWorkload, podSpecOf } from '../k8s-objects.js';
import { finding, type PolicyRule, type RuleFinding } from '../policy-rule.js';

const SECCOMP_OK = new Set(['RuntimeDefault', 'Localhost']);

/** Pod Security Standard `restricted`, plus a read-only root filesystem. */
export const workloadPodSecurityRestricted: PolicyRule = {
  id: 'workload-pod-security-restricted',
  title: 'Pods meet Pod Security "restricted" with a read-only root filesystem',
  severity: 'mandatory',
  why: 'A container that runs as root, may escalate, keeps capabilities, runs unconfined or writes its own filesystem turns one exploited request into a node compromise or a persistent implant.',
  fix: 'Use restrictedPodSecurityContext() and restrictedContainerSecurityContext() (constructs/common/pod-security.ts): runAsNonRoot, allowPrivilegeEscalation: false, capabilities.drop [ALL], seccomp RuntimeDefault, readOnlyRootFilesystem: true; write to an emptyDir.',
  scope: 'object',
  check(objects) {
    const findings: RuleFinding[] = [];
    for (const w of objects.filter(isWorkload)) {
      const pod = podSpecOf(w);
      const podSc = asRecord(pod.securityContext);
      for (const field of ['hostNetwork', 'hostPID', 'hostIPC'] as const) {
        if (pod[field] === true) findings.push(finding(w, `pod sets ${field}: true`));
      }
      for (const v of asArray(pod.volumes)) {
        if (asRecord(v).hostPath !== undefined) {
          findings.push(finding(w, `volume '${asString(asRecord(v).name) ?? '?'}' is a hostPath`));
        }
      }
      for (const c of containersOf(pod)) {
        const sc = asRecord(c.spec.securityContext);
        const problems: string[] = [];
        if (sc.privileged === true) problems.push('privileged: true');
        const nonRoot = (sc.runAsNonRoot ?? podSc.runAsNonRoot) === true;
        const uid = sc.runAsUser ?? podSc.runAsUser;
        if (!nonRoot || uid === 0) problems.push('may run as root (runAsNonRoot not true)');
        if (sc.allowPrivilegeEscalation !== false)
          problems.push('allowPrivilegeEscalation is not false');
        if (!asStringArray(asRecord(sc.capabilities).drop).includes('ALL'))
          problems.push('capabilities do not drop ALL');
        const added = asStringArray(asRecord(sc.capabilities).add).filter(
          (cap) => cap !== 'NET_BIND_SERVICE',
        );
        if (added.length > 0) problems.push(`adds capabilities ${added.join(', ')}`);
        const seccomp = asString(asRecord(sc.seccompProfile ?? podSc.seccompProfile).type);
        if (seccomp === undefined || !SECCOMP_OK.has(seccomp))
          problems.push(`seccomp profile is ${seccomp ?? 'unset'}`);
        if (sc.readOnlyRootFilesystem !== true) problems.push('root filesystem is writable');
        for (const p of problems) {
          findings.push(finding(w, `${c.init ? 'init ' : ''}container '${c.name}': ${p}`));
        }
      }
    }
    return findings;
  },
};
