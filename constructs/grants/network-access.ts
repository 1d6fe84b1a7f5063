import * as kplus from 'cdk8s-plus-33';
import type { Construct } from 'constructs';
import { NAMESPACE_NAME_LABEL } from '../common/labels.js';
import type { IMeshIdentity } from '../mesh/mesh-identity.js';

/**
 * On an ingress NetworkPolicy a grant renders: the mesh principal whose pods its `from` peer
 * selects. Pod labels alone cannot tell two services of one namespace apart in an analysis that
 * sees only manifests; this names whose labels they are.
 */
export const FROM_PRINCIPAL_ANNOTATION = 'meshrag.io/from-principal';

/** The pods on the receiving side of a connection. */
export interface NetworkTarget {
  readonly namespaceName: string;
  /** A short name used in policy names (the workload or Kafka cluster). */
  readonly name: string;
  readonly podLabels: Readonly<Record<string, string>>;
  readonly port: number;
}

/**
 * Opens one TCP port from a grantee's pods to a target's pods on the NetworkPolicy layer:
 * ingress on the target and, when the grantee's namespace denies egress, egress on the
 * grantee. Idempotent per (grantee, target, port), so two grants on one port share policies.
 */
export function allowNetworkAccess(
  scope: Construct,
  grantee: IMeshIdentity,
  target: NetworkTarget,
): void {
  const key = `${grantee.namespaceName}-${grantee.serviceAccountName}-${target.port}`;
  const port = [{ protocol: 'TCP', port: kplus.k8s.IntOrString.fromNumber(target.port) }];

  const ingressId = `Ingress-${key}`;
  if (scope.node.tryFindChild(ingressId) === undefined) {
    new kplus.k8s.KubeNetworkPolicy(scope, ingressId, {
      metadata: {
        name: `${target.name}-from-${grantee.serviceAccountName}-${target.port}`,
        namespace: target.namespaceName,
        annotations: { [FROM_PRINCIPAL_ANNOTATION]: grantee.principal },
      },
      spec: {
        podSelector: { matchLabels: { ...target.podLabels } },
        policyTypes: ['Ingress'],
        ingress: [
          {
            from: [
              {
                namespaceSelector: {
                  matchLabels: { [NAMESPACE_NAME_LABEL]: grantee.namespaceName },
                },
                podSelector: { matchLabels: { ...grantee.podLabels } },
              },
            ],
            ports: port,
          },
        ],
      },
    });
  }

  const egressId = `Egress-${key}`;
  if (grantee.egressRestricted && scope.node.tryFindChild(egressId) === undefined) {
    new kplus.k8s.KubeNetworkPolicy(scope, egressId, {
      metadata: {
        name: `${grantee.serviceAccountName}-to-${target.name}-${target.port}`,
        namespace: grantee.namespaceName,
      },
      spec: {
        podSelector: { matchLabels: { ...grantee.podLabels } },
        policyTypes: ['Egress'],
        egress: [
          {
            to: [
              {
                namespaceSelector: {
                  matchLabels: { [NAMESPACE_NAME_LABEL]: target.namespaceName },
                },
                podSelector: { matchLabels: { ...target.podLabels } },
              },
            ],
            ports: port,
          },
        ],
      },
    });
  }
}
