import { ApiObject } from 'cdk8s';
import * as kplus from 'cdk8s-plus-33';
import { Construct } from 'constructs';
import { MANAGED_BY_LABEL, NAMESPACE_NAME_LABEL, PART_OF_LABEL } from '../common/labels.js';
import { validateDns1123Label } from '../common/validate.js';

/** A namespace as grants see it. */
export interface IMeshNamespace {
  readonly name: string;
  /** Whether pods get an Istio sidecar (and so enforce AuthorizationPolicies). */
  readonly sidecarInjection: boolean;
  /** Whether egress is denied by default, so grants must open egress for their grantees. */
  readonly defaultDenyEgress: boolean;
}

export interface MeshNamespaceProps {
  /** The namespace name (a DNS-1123 label). */
  readonly name: string;
  /**
   * Label the namespace for Istio sidecar injection. Turn it off only for workloads that
   * cannot run in the mesh (Strimzi brokers), which then need their own mTLS.
   * @default true
   */
  readonly sidecarInjection?: boolean;
  /**
   * Deny egress by default too; grants then open egress for their grantees, and DNS (and
   * istiod where injected) stay open. Turn it off where an operator's pods need the API server
   * and each other (Strimzi generates ingress policies for its own ports, not egress).
   * @default true
   */
  readonly defaultDenyEgress?: boolean;
  /**
   * Pod Security Standard the API server enforces in the namespace. Every meshrag workload
   * meets `restricted`, but Istio's `istio-init` container needs NET_ADMIN unless the Istio
   * CNI plugin is installed, so enforcement is left to the cluster; `warn` and `audit` are
   * always `restricted`.
   * @see https://kubernetes.io/docs/concepts/security/pod-security-admission/
   * @default - not enforced
   */
  readonly podSecurityEnforce?: 'restricted' | 'baseline';
}

/**
 * A namespace meshrag owns, starting from nothing: sidecar injection, an allow-nothing
 * AuthorizationPolicy (an ALLOW policy with an empty spec matches no request), and a
 * default-deny NetworkPolicy. Access is then opened only by grants.
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/
 */
export class MeshNamespace extends Construct implements IMeshNamespace {
  public readonly name: string;
  public readonly sidecarInjection: boolean;
  public readonly defaultDenyEgress: boolean;

  public constructor(scope: Construct, id: string, props: MeshNamespaceProps) {
    super(scope, id);
    validateDns1123Label('MeshNamespace name', props.name);
    this.name = props.name;
    this.sidecarInjection = props.sidecarInjection ?? true;
    this.defaultDenyEgress = props.defaultDenyEgress ?? true;

    new kplus.Namespace(this, 'Resource', {
      metadata: {
        name: this.name,
        labels: {
          'istio-injection': this.sidecarInjection ? 'enabled' : 'disabled',
          'pod-security.kubernetes.io/warn': 'restricted',
          'pod-security.kubernetes.io/audit': 'restricted',
          ...(props.podSecurityEnforce === undefined
            ? {}
            : { 'pod-security.kubernetes.io/enforce': props.podSecurityEnforce }),
          [PART_OF_LABEL]: 'meshrag',
          [MANAGED_BY_LABEL]: 'meshrag',
        },
      },
    });

    new ApiObject(this, 'AllowNothing', {
      apiVersion: 'security.istio.io/v1',
      kind: 'AuthorizationPolicy',
      metadata: { name: 'allow-nothing', namespace: this.name },
      spec: {},
    });

    new kplus.k8s.KubeNetworkPolicy(this, 'DefaultDeny', {
      metadata: { name: 'default-deny', namespace: this.name },
      spec: {
        podSelector: {},
        policyTypes: this.defaultDenyEgress ? ['Ingress', 'Egress'] : ['Ingress'],
      },
    });

    if (this.defaultDenyEgress) {
      this.allowBaselineEgress();
    }
  }

  /** DNS for every pod, and istiod (xDS and certificates) for sidecars. */
  private allowBaselineEgress(): void {
    new kplus.k8s.KubeNetworkPolicy(this, 'AllowDns', {
      metadata: { name: 'allow-dns-egress', namespace: this.name },
      spec: {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [
          {
            to: [
              {
                namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: 'kube-system' } },
                podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
              },
            ],
            ports: [
              { protocol: 'UDP', port: kplus.k8s.IntOrString.fromNumber(53) },
              { protocol: 'TCP', port: kplus.k8s.IntOrString.fromNumber(53) },
            ],
          },
        ],
      },
    });
    if (this.sidecarInjection) {
      new kplus.k8s.KubeNetworkPolicy(this, 'AllowIstiod', {
        metadata: { name: 'allow-istiod-egress', namespace: this.name },
        spec: {
          podSelector: {},
          policyTypes: ['Egress'],
          egress: [
            {
              to: [
                {
                  namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: 'istio-system' } },
                  podSelector: { matchLabels: { app: 'istiod' } },
                },
              ],
              ports: [{ protocol: 'TCP', port: kplus.k8s.IntOrString.fromNumber(15012) }],
            },
          ],
        },
      });
    }
  }
}
