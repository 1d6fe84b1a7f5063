import { asRecord, asString } from '../../analysis/reachability/manifest-object.js';
import { isKind, uninjectedNamespaceNames } from '../k8s-objects.js';
import { finding, type PolicyRule, type RuleFinding } from '../policy-rule.js';

const WEAK_MODES = new Set(['PERMISSIVE', 'DISABLE']);

/** No PeerAuthentication weakens mTLS (PERMISSIVE or DISABLE) where sidecars run. */
export const meshNoPermissiveMtls: PolicyRule = {
  id: 'mesh-no-permissive-mtls',
  title: 'No PERMISSIVE or DISABLE mTLS in a meshed namespace',
  severity: 'mandatory',
  why: 'A namespace- or workload-level PeerAuthentication overrides the mesh-wide STRICT mode; PERMISSIVE accepts plain text (no verified principal), DISABLE turns mTLS off.',
  fix: 'Delete the PeerAuthentication or set its mode (and every portLevelMtls entry) to STRICT. Workloads that cannot do mTLS belong in a namespace without sidecar injection.',
  scope: 'object',
  check(objects) {
    // Namespaces the objects declare as not injected (Kafka's) have no sidecars to weaken.
    const outside = uninjectedNamespaceNames(objects);
    const findings: RuleFinding[] = [];
    for (const pa of objects.filter((o) => isKind(o, 'security.istio.io', 'PeerAuthentication'))) {
      if (outside.has(pa.metadata.namespace ?? 'default')) continue;
      const spec = asRecord(pa.spec);
      const mode = asString(asRecord(spec.mtls).mode);
      if (mode !== undefined && WEAK_MODES.has(mode)) {
        findings.push(
          finding(pa, `mTLS mode ${mode} accepts traffic without a verified principal`),
        );
      }
      for (const [port, setting] of Object.entries(asRecord(spec.portLevelMtls))) {
        const portMode = asString(asRecord(setting).mode);
        if (portMode !== undefined && WEAK_MODES.has(portMode)) {
          findings.push(finding(pa, `port ${port} has mTLS mode ${portMode}`));
        }
      }
    }
    return findings;
  },
};
