import { selectorLabels } from '../common/labels.js';
import type { OnboardedService } from './onboarded-service.js';

/**
 * Throws unless every onboarded service has its own name and identity, no name takes one
 * of meshrag's own workloads (names become KafkaUser and policy names), and no two identities
 * of one namespace have pod labels where one's selector matches the other's pods (their
 * NetworkPolicies would open each other's ports).
 */
export function validateOnboarding(
  services: readonly (OnboardedService & { readonly role: 'producer' | 'reader' })[],
  reservedNames: readonly string[],
): void {
  const names = new Map<string, string>();
  const principals = new Map<string, string>();
  for (const s of services) {
    if (reservedNames.includes(s.name)) {
      throw new Error(
        `${s.role} '${s.name}': the name is taken by a meshrag workload (${reservedNames.join(', ')}); pick another`,
      );
    }
    const earlier = names.get(s.name);
    if (earlier !== undefined) {
      throw new Error(
        `${s.role} '${s.name}': duplicate name (also a ${earlier}); names must be unique`,
      );
    }
    names.set(s.name, s.role);
    const key = `${s.role}:${s.namespace}/${s.serviceAccount}`;
    const same = principals.get(key);
    if (same !== undefined) {
      throw new Error(
        `${s.role} '${s.name}': ServiceAccount ${s.namespace}/${s.serviceAccount} is already onboarded as ${s.role} '${same}'; one entry per identity and role`,
      );
    }
    principals.set(key, s.name);
  }
  for (const [i, a] of services.entries()) {
    for (const b of services.slice(i + 1)) {
      if (a.namespace !== b.namespace || a.serviceAccount === b.serviceAccount) continue;
      const aLabels = a.podLabels ?? selectorLabels(a.name);
      const bLabels = b.podLabels ?? selectorLabels(b.name);
      const selects = (selector: Record<string, string>, pod: Record<string, string>) =>
        Object.entries(selector).every(([k, v]) => pod[k] === v);
      if (selects(aLabels, bLabels) || selects(bLabels, aLabels)) {
        throw new Error(
          `${b.role} '${b.name}': its pod labels ${JSON.stringify(bLabels)} and those of ${a.role} '${a.name}' ${JSON.stringify(aLabels)} in namespace ${a.namespace} select each other's pods, so a NetworkPolicy for one would admit the other; give each its own label (e.g. app.kubernetes.io/name)`,
        );
      }
    }
  }
}
