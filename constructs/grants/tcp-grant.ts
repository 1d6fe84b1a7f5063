import type { Construct } from 'constructs';
import { validateDns1123Label } from '../common/validate.js';
import type { IMeshIdentity } from '../mesh/mesh-identity.js';
import { findWorkloadPort, type IMeshWorkload } from '../mesh/mesh-workload.js';
import { Grant } from './grant.js';
import type { GrantRecord } from './grant-record.js';
import { allowMeshPort } from './mesh-port-access.js';

export interface TcpGrantProps {
  readonly target: IMeshWorkload;
  readonly grantee: IMeshIdentity;
  /** What the grant is for, used in policy names. */
  readonly name: string;
  /** The target's port name; its protocol must be `tcp`. */
  readonly portName: string;
}

/**
 * L4 access to one TCP port: an Istio ALLOW AuthorizationPolicy with only principals and
 * ports (HTTP fields would make a TCP rule never match), plus the NetworkPolicies.
 */
export class TcpGrant extends Grant {
  public readonly record: GrantRecord;

  public constructor(scope: Construct, id: string, props: TcpGrantProps) {
    super(scope, id);
    const { target, grantee } = props;
    validateDns1123Label('grant name', props.name);
    const port = findWorkloadPort(target, props.portName);
    if (port.protocol !== 'tcp') {
      throw new Error(
        `${target.workloadName}: TCP grant '${props.name}' on ${port.protocol} port '${port.name}' would bypass its method and path rules; use an HTTP grant`,
      );
    }
    if (!target.namespace.sidecarInjection) {
      throw new Error(
        `${target.workloadName}: TCP grant '${props.name}' needs a meshed target, but namespace '${target.namespace.name}' has no sidecar injection`,
      );
    }

    allowMeshPort(this, { target, grantee, name: props.name, port });

    this.record = {
      kind: 'tcp',
      grantee: grantee.principal,
      target: { namespace: target.namespace.name, workload: target.workloadName, port: port.port },
    };
  }
}
