import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { WorkloadPort } from '../common/workload-port.js';
import type { IMeshIdentity } from '../mesh/mesh-identity.js';
import type { IMeshWorkload } from '../mesh/mesh-workload.js';
import type { HttpOperation } from './grant-record.js';
import { allowNetworkAccess } from './network-access.js';

export interface MeshPortAccessOptions {
  readonly target: IMeshWorkload;
  readonly grantee: IMeshIdentity;
  /** What the grant is for, used in the policy name. */
  readonly name: string;
  readonly port: WorkloadPort;
  /**
   * The Istio `to.operation`s beyond the port: methods and paths for HTTP, nothing for TCP
   * (HTTP fields would make a TCP rule never match).
   * @default - ports only
   */
  readonly operations?: readonly HttpOperation[];
}

/**
 * What every port grant emits, whatever the protocol: the Istio ALLOW AuthorizationPolicy for
 * the grantee's principal (the grant's `'Resource'` child) and the NetworkPolicies that let its
 * connection through. The grant checks its own props before calling this.
 */
export function allowMeshPort(grant: Construct, options: MeshPortAccessOptions): void {
  const { target, grantee, port, operations } = options;
  const ports = [String(port.port)];
  new ApiObject(grant, 'Resource', {
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: {
      name: `${target.workloadName}-${options.name}-${grantee.serviceAccountName}`,
      namespace: target.namespace.name,
    },
    spec: {
      action: 'ALLOW',
      selector: { matchLabels: { ...target.selectorLabels } },
      rules: [
        {
          from: [{ source: { principals: [grantee.principal] } }],
          to:
            operations === undefined
              ? [{ operation: { ports } }]
              : operations.map((o) => ({
                  operation: { ports, methods: [...o.methods], paths: [...o.paths] },
                })),
        },
      ],
    },
  });
  allowNetworkAccess(target, grantee, {
    namespaceName: target.namespace.name,
    name: target.workloadName,
    podLabels: target.selectorLabels,
    port: port.port,
  });
}
