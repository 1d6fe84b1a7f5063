/**
 * Checks shared by every construct. Each throws a plain `Error` early, naming the bad value
 * and how to fix it, so a wrong stack config fails at synth time and never on a cluster.
 */

const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
// registry/repository[:tag][@sha256:<64 hex>]; a tag or a digest is required.
const imageReference =
  /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;

/**
 * A DNS-1123 label (namespaces, Services, ServiceAccounts, workload names).
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#dns-label-names
 */
export function validateDns1123Label(what: string, value: string): void {
  if (value.length > 63 || !dns1123Label.test(value)) {
    throw new Error(
      `${what} '${value}' is not a valid DNS-1123 label: use at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit`,
    );
  }
}

/** A DNS-1123 subdomain (most object names: KafkaTopics, KafkaUsers, policies). */
export function validateDns1123Subdomain(what: string, value: string): void {
  if (value.length > 253 || !dns1123Subdomain.test(value)) {
    throw new Error(
      `${what} '${value}' is not a valid DNS-1123 subdomain: use lower-case letters, digits, '-' and '.', starting and ending with a letter or digit`,
    );
  }
}

/** A container image reference pinned by tag or digest; `:latest` and bare names are refused. */
export function validateImageReference(what: string, value: string): void {
  const hasTagOrDigest = /:[^/]+$/.test(value.split('@')[0] ?? '') || value.includes('@sha256:');
  if (!imageReference.test(value) || !hasTagOrDigest || /:latest(@|$)/.test(value)) {
    throw new Error(
      `${what} '${value}' is not a pinned image reference: use 'repository:tag' or 'repository@sha256:<digest>' (never ':latest')`,
    );
  }
}

/** A whole number within bounds. */
export function validateInteger(what: string, value: number, min: number, max?: number): void {
  if (!Number.isInteger(value) || value < min || (max !== undefined && value > max)) {
    const range = max === undefined ? `>= ${min}` : `between ${min} and ${max}`;
    throw new Error(`${what} must be a whole number ${range}, got ${value}`);
  }
}
