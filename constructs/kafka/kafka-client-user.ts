import { ApiObject, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { commonLabels } from '../common/labels.js';
import type { IMeshIdentity } from '../mesh/mesh-identity.js';
import type { KafkaCluster } from './kafka-cluster.js';

/** One Strimzi `simple` ACL rule. */
export interface KafkaAcl {
  readonly resource: {
    readonly type: 'topic' | 'group';
    readonly name: string;
    readonly patternType: 'literal';
  };
  readonly operations: readonly string[];
}

/** A mesh identity that talks to Kafka as a KafkaUser: the grantee of topic grants. */
export interface IKafkaClient extends IMeshIdentity {
  readonly kafkaUser: KafkaClientUser;
}

export interface KafkaClientUserProps {
  readonly cluster: KafkaCluster;
  /** The workload identity that uses this user. */
  readonly identity: IMeshIdentity;
  /**
   * The KafkaUser name, which is also the name of the Secret Strimzi creates.
   * @default - the identity's ServiceAccount name
   */
  readonly name?: string;
  /**
   * The workload runs outside the User Operator's namespace (a producer another team deploys):
   * the KafkaUser and its Secret stay in the user namespace and the deploying layer copies
   * the Secret to the workload's namespace, as it does the cluster CA. The `mesh-principal`
   * annotation names who gets the copy.
   * @default false - the workload runs in the user namespace and mounts the Secret itself
   */
  readonly secretCopiedToWorkload?: boolean;
}

/**
 * A Strimzi KafkaUser for one client workload: `tls` authentication (Strimzi issues a client
 * certificate into a Secret of the same name, with `user.crt`, `user.key` and `ca.crt`) and
 * `simple` authorization whose ACLs come only from grants. With no grant it may do nothing.
 * @see https://strimzi.io/docs/operators/latest/configuring.html#type-KafkaUser-reference
 */
export class KafkaClientUser extends Construct {
  /** Annotation naming the mesh principal of the workload that uses the user. */
  public static readonly PRINCIPAL_ANNOTATION = 'meshrag.io/mesh-principal';

  public readonly name: string;
  public readonly namespaceName: string;
  /** The Secret with the client certificate (`user.crt`, `user.key`). */
  public readonly secretName: string;
  public readonly cluster: KafkaCluster;
  public readonly identity: IMeshIdentity;
  private readonly acls: KafkaAcl[] = [];

  public constructor(scope: Construct, id: string, props: KafkaClientUserProps) {
    super(scope, id);
    this.name = props.name ?? props.identity.serviceAccountName;
    this.namespaceName = props.cluster.userNamespaceName;
    this.secretName = this.name;
    this.cluster = props.cluster;
    this.identity = props.identity;
    if (
      props.identity.namespaceName !== this.namespaceName &&
      props.secretCopiedToWorkload !== true
    ) {
      throw new Error(
        `KafkaUser '${this.name}': the workload runs in '${props.identity.namespaceName}' but the User Operator writes Secrets to '${this.namespaceName}', so the pod could not mount its certificate (set secretCopiedToWorkload when the deploying layer copies it)`,
      );
    }

    new ApiObject(this, 'Resource', {
      apiVersion: 'kafka.strimzi.io/v1',
      kind: 'KafkaUser',
      metadata: {
        name: this.name,
        namespace: this.namespaceName,
        labels: { 'strimzi.io/cluster': props.cluster.name, ...commonLabels(this.name) },
        annotations: { [KafkaClientUser.PRINCIPAL_ANNOTATION]: props.identity.principal },
      },
      spec: {
        authentication: { type: 'tls' },
        authorization: {
          type: 'simple',
          acls: Lazy.any({ produce: () => this.acls.map((a) => ({ ...a, host: '*' })) }),
        },
      },
    });
  }

  /** Adds ACL rules; called by grants only. */
  public addAcl(...acls: KafkaAcl[]): void {
    this.acls.push(...acls);
  }
}
