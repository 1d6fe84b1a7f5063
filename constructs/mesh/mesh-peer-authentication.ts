import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';

export interface MeshPeerAuthenticationProps {
  /**
   * Istio's root namespace; a PeerAuthentication there applies mesh-wide.
   * @default 'istio-system'
   */
  readonly rootNamespace?: string;
}

/**
 * Mesh-wide mutual TLS in STRICT mode: every sidecar refuses plain text, so every principal in
 * an AuthorizationPolicy is a verified workload identity. Unset would mean PERMISSIVE.
 * @see https://istio.io/latest/docs/reference/config/security/peer_authentication/
 */
export class MeshPeerAuthentication extends Construct {
  public readonly rootNamespace: string;

  public constructor(scope: Construct, id: string, props: MeshPeerAuthenticationProps = {}) {
    super(scope, id);
    this.rootNamespace = props.rootNamespace ?? 'istio-system';
    new ApiObject(this, 'Resource', {
      apiVersion: 'security.istio.io/v1',
      kind: 'PeerAuthentication',
      metadata: { name: 'default', namespace: this.rootNamespace },
      spec: { mtls: { mode: 'STRICT' } },
    });
  }
}
