import type { OnboardedService } from './onboarded-service.js';

/**
 * Throws unless every onboarded service has its own name and identity, and no name takes one
 * of meshrag's own workloads (names become KafkaUser and policy names).
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
}
