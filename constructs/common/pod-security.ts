import { ApiObject, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-33';
import type { IConstruct } from 'constructs';

/** The non-root user meshrag containers run as. */
export const NON_ROOT_UID = 10001;

/**
 * Pod-level settings of the Pod Security Standard "restricted" profile. The seccomp profile
 * is added by {@link addPodSeccompProfile}, as cdk8s-plus has no pod-level field for it.
 * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
 */
export function restrictedPodSecurityContext(uid = NON_ROOT_UID): kplus.PodSecurityContextProps {
  return { ensureNonRoot: true, user: uid, group: uid, fsGroup: uid };
}

/** Container-level settings of the "restricted" profile, with a read-only root filesystem. */
export function restrictedContainerSecurityContext(
  uid = NON_ROOT_UID,
): kplus.ContainerSecurityContextProps {
  return {
    ensureNonRoot: true,
    user: uid,
    group: uid,
    privileged: false,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: [kplus.Capability.ALL] },
    seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT },
  };
}

/**
 * `RuntimeDefault` seccomp for the whole pod, so injected containers (the Istio sidecar) are
 * covered as well as ours.
 */
export function addPodSeccompProfile(workload: IConstruct): void {
  ApiObject.of(workload).addJsonPatch(
    JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', { type: 'RuntimeDefault' }),
  );
}
