import { asRecord, asString } from '../../analysis/reachability/manifest-object.js';
import { isEmptySelector, isInjectedNamespace, isKind, namespaceObjects } from '../k8s-objects.js';
import { finding, type PolicyRule } from '../policy-rule.js';

/** A mesh-wide PeerAuthentication (root namespace, no selector) in STRICT mode. */
export const meshMtlsStrictMeshwide: PolicyRule = {
  id: 'mesh-mtls-strict-meshwide',
  title: 'Mutual TLS is STRICT mesh-wide',
  severity: 'mandatory',
  why: 'An unset or PERMISSIVE mesh-wide mode lets plain-text traffic in, and plain text carries no principal: every AuthorizationPolicy that names principals then protects nothing against a pod that skips the sidecar.',
  fix: "Add a PeerAuthentication named 'default' in Istio's root namespace (istio-system) with no selector and spec.mtls.mode: STRICT (MeshPeerAuthentication does this).",
  scope: 'stack',
  check(objects, context) {
    // Only judged where the objects describe a mesh: an injected namespace or an Istio policy.
    const meshed =
      namespaceObjects(objects).some(isInjectedNamespace) ||
      objects.some((o) => o.apiVersion.startsWith('security.istio.io/'));
    if (!meshed) return [];
    const meshWide = objects.filter(
      (o) =>
        isKind(o, 'security.istio.io', 'PeerAuthentication') &&
        o.metadata.namespace === context.meshRootNamespace &&
        isEmptySelector(asRecord(o.spec).selector),
    );
    if (meshWide.length === 0) {
      return [
        finding(
          { kind: 'PeerAuthentication', namespace: context.meshRootNamespace, name: 'default' },
          `no mesh-wide PeerAuthentication in ${context.meshRootNamespace}; Istio then defaults to PERMISSIVE`,
        ),
      ];
    }
    return meshWide
      .filter((pa) => asString(asRecord(asRecord(pa.spec).mtls).mode) !== 'STRICT')
      .map((pa) =>
        finding(
          pa,
          `mesh-wide mTLS mode is ${asString(asRecord(asRecord(pa.spec).mtls).mode) ?? 'unset (PERMISSIVE)'}, not STRICT`,
        ),
      );
  },
};
