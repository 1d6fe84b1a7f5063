import { asArray, asRecord, asString } from '../../analysis/reachability/manifest-object.js';
import { isEmptySelector, isInjectedNamespace, isKind, namespaceObjects } from '../k8s-objects.js';
import { finding, type PolicyRule } from '../policy-rule.js';

/** Every meshed namespace has an ALLOW policy with no rules and no selector: allow-nothing. */
export const meshAllowNothingBaseline: PolicyRule = {
  id: 'mesh-allow-nothing-baseline',
  title: 'Every meshed namespace starts from allow-nothing',
  severity: 'mandatory',
  why: 'Istio allows every request to a workload that no ALLOW policy selects. An empty namespace-wide ALLOW policy flips that default, so only what a grant names is reachable.',
  fix: "Add an AuthorizationPolicy 'allow-nothing' with spec: {} in the namespace (MeshNamespace does this).",
  scope: 'stack',
  check(objects) {
    return namespaceObjects(objects)
      .filter(isInjectedNamespace)
      .filter(
        (ns) =>
          !objects.some((o) => {
            if (!isKind(o, 'security.istio.io', 'AuthorizationPolicy')) return false;
            if (o.metadata.namespace !== ns.metadata.name) return false;
            const spec = asRecord(o.spec);
            return (
              (asString(spec.action) ?? 'ALLOW') === 'ALLOW' &&
              asArray(spec.rules).length === 0 &&
              isEmptySelector(spec.selector) &&
              asArray(spec.targetRefs).length === 0 &&
              spec.targetRef === undefined
            );
          }),
      )
      .map((ns) =>
        finding(
          ns,
          `namespace ${ns.metadata.name} is meshed but has no allow-nothing AuthorizationPolicy`,
        ),
      );
  },
};
