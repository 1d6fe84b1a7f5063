import type { Construct } from 'constructs';
import { validateDns1123Label } from '../common/validate.js';
import type { IMeshIdentity } from '../mesh/mesh-identity.js';
import { findWorkloadPort, type IMeshWorkload } from '../mesh/mesh-workload.js';
import { Grant } from './grant.js';
import type { GrantRecord, HttpOperation } from './grant-record.js';
import { allowMeshPort } from './mesh-port-access.js';

const HTTP_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export interface HttpGrantProps {
  readonly target: IMeshWorkload;
  readonly grantee: IMeshIdentity;
  /** What the grant is for, used in policy names (`invoke`, `metrics`). */
  readonly name: string;
  /** The target's port name; its protocol must be `http` (or `grpc`). */
  readonly portName: string;
  /**
   * What the grantee may do: each operation allows its methods on its paths (one Istio
   * `to.operation` each, so a method of one never applies to a path of another).
   */
  readonly operations: readonly HttpOperation[];
}

/**
 * L7 access to one HTTP port: an Istio ALLOW AuthorizationPolicy for the grantee's principal
 * with methods and paths, plus the NetworkPolicies that let the TCP connection through.
 */
export class HttpGrant extends Grant {
  public readonly record: GrantRecord;

  public constructor(scope: Construct, id: string, props: HttpGrantProps) {
    super(scope, id);
    const { target, grantee } = props;
    validateDns1123Label('grant name', props.name);
    const port = findWorkloadPort(target, props.portName);
    if (port.protocol === 'tcp') {
      throw new Error(
        `${target.workloadName}: HTTP grant '${props.name}' on TCP port '${port.name}': Istio cannot match methods or paths on a TCP port; use a TCP grant or an http- port`,
      );
    }
    if (!target.namespace.sidecarInjection) {
      throw new Error(
        `${target.workloadName}: HTTP grant '${props.name}' needs a meshed target, but namespace '${target.namespace.name}' has no sidecar injection`,
      );
    }
    if (props.operations.length === 0) {
      throw new Error(
        `${target.workloadName}: HTTP grant '${props.name}' needs at least one operation`,
      );
    }
    for (const operation of props.operations) {
      if (operation.methods.length === 0 || operation.paths.length === 0) {
        throw new Error(
          `${target.workloadName}: HTTP grant '${props.name}' needs at least one method and one path per operation`,
        );
      }
      for (const method of operation.methods) {
        if (!HTTP_METHODS.has(method)) {
          throw new Error(
            `${target.workloadName}: HTTP grant '${props.name}' has unknown method '${method}'`,
          );
        }
      }
      for (const path of operation.paths) {
        if (!path.startsWith('/') && !path.startsWith('*')) {
          throw new Error(
            `${target.workloadName}: HTTP grant '${props.name}' path '${path}' must start with '/'`,
          );
        }
      }
    }

    allowMeshPort(this, {
      target,
      grantee,
      name: props.name,
      port,
      operations: props.operations,
    });

    this.record = {
      kind: 'http',
      grantee: grantee.principal,
      target: { namespace: target.namespace.name, workload: target.workloadName, port: port.port },
      operations: props.operations.map((o) => ({ methods: [...o.methods], paths: [...o.paths] })),
    };
  }
}
