import * as kplus from 'cdk8s-plus-33';
import { Construct } from 'constructs';
import { commonLabels, selectorLabels } from '../common/labels.js';
import { validateDns1123Label } from '../common/validate.js';
import type { IMeshNamespace } from './mesh-namespace.js';

/**
 * Who a grant is given to: a ServiceAccount, seen by Istio as the principal
 * `cluster.local/ns/<ns>/sa/<sa>` and by NetworkPolicies as a set of pods.
 */
export interface IMeshIdentity {
  readonly namespaceName: string;
  readonly serviceAccountName: string;
  /** The mesh principal, `cluster.local/ns/<ns>/sa/<sa>`. */
  readonly principal: string;
  /** Labels of the pods that run as this identity (NetworkPolicy peers). */
  readonly podLabels: Readonly<Record<string, string>>;
  /** Whether grants must open egress in the identity's namespace (it denies egress by default). */
  readonly egressRestricted: boolean;
}

export interface MeshIdentityProps {
  readonly namespace: IMeshNamespace;
  /** The ServiceAccount name; one per workload. */
  readonly name: string;
  /**
   * Labels of the pods that run as this identity.
   * @default - `app.kubernetes.io/name: <name>`
   */
  readonly podLabels?: Readonly<Record<string, string>>;
}

export interface ExternalMeshIdentityProps {
  readonly namespaceName: string;
  readonly serviceAccountName: string;
  /** Labels of the pods that run as this identity. */
  readonly podLabels: Readonly<Record<string, string>>;
  /**
   * Trust domain of the mesh.
   * @default 'cluster.local'
   */
  readonly trustDomain?: string;
}

/** The mesh principal of a ServiceAccount. */
export function meshPrincipal(
  namespace: string,
  serviceAccount: string,
  trustDomain = 'cluster.local',
): string {
  return `${trustDomain}/ns/${namespace}/sa/${serviceAccount}`;
}

/**
 * A workload's identity: its own ServiceAccount (no token mounted: meshrag pods do not call
 * the Kubernetes API). One per workload, never shared, so a grant names exactly one workload.
 */
export class MeshIdentity extends Construct implements IMeshIdentity {
  /**
   * An identity meshrag does not own (e.g. the cluster's Prometheus): grants name it, but
   * nothing is emitted in its namespace.
   */
  public static fromExternal(props: ExternalMeshIdentityProps): IMeshIdentity {
    validateDns1123Label('external identity namespace', props.namespaceName);
    validateDns1123Label('external identity ServiceAccount', props.serviceAccountName);
    return {
      namespaceName: props.namespaceName,
      serviceAccountName: props.serviceAccountName,
      principal: meshPrincipal(props.namespaceName, props.serviceAccountName, props.trustDomain),
      podLabels: props.podLabels,
      egressRestricted: false,
    };
  }

  public readonly namespaceName: string;
  public readonly serviceAccountName: string;
  public readonly principal: string;
  public readonly podLabels: Readonly<Record<string, string>>;
  public readonly egressRestricted: boolean;
  public readonly serviceAccount: kplus.ServiceAccount;

  public constructor(scope: Construct, id: string, props: MeshIdentityProps) {
    super(scope, id);
    validateDns1123Label('MeshIdentity name', props.name);
    this.namespaceName = props.namespace.name;
    this.serviceAccountName = props.name;
    this.principal = meshPrincipal(this.namespaceName, this.serviceAccountName);
    this.podLabels = props.podLabels ?? selectorLabels(props.name);
    this.egressRestricted = props.namespace.defaultDenyEgress;

    this.serviceAccount = new kplus.ServiceAccount(this, 'Resource', {
      metadata: {
        name: this.serviceAccountName,
        namespace: this.namespaceName,
        labels: commonLabels(props.name),
      },
      automountToken: false,
    });
  }
}
