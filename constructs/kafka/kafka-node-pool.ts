import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { SIDECAR_INJECT } from '../common/labels.js';
import { validateDns1123Label, validateInteger } from '../common/validate.js';
import {
  toQuantities,
  validateWorkloadResources,
  type WorkloadResources,
} from '../common/workload-resources.js';

export type KafkaNodeRole = 'controller' | 'broker';

export interface KafkaNodePoolProps {
  /** The Kafka cluster (the `Kafka` resource name). */
  readonly clusterName: string;
  readonly namespaceName: string;
  /** Pool name; pod names are `<cluster>-<pool>-<id>`. */
  readonly name: string;
  readonly role: KafkaNodeRole;
  readonly replicas: number;
  /** Persistent volume size per node. */
  readonly storageGiB: number;
  /**
   * Storage class of the volumes.
   * @default - the cluster's default storage class
   */
  readonly storageClass?: string;
  /**
   * Resources of each node.
   * @default - none set (Strimzi's defaults)
   */
  readonly resources?: WorkloadResources;
}

/**
 * A Strimzi KafkaNodePool: a set of KRaft nodes with one role. Pods are kept out of the mesh
 * (Strimzi does not support sidecars); they are secured by Strimzi's own TLS and ACLs.
 * @see https://strimzi.io/docs/operators/latest/deploying#config-node-pools-str
 */
export class KafkaNodePool extends Construct {
  public readonly name: string;
  public readonly role: KafkaNodeRole;
  public readonly replicas: number;

  public constructor(scope: Construct, id: string, props: KafkaNodePoolProps) {
    super(scope, id);
    validateDns1123Label('KafkaNodePool name', props.name);
    validateInteger(`KafkaNodePool ${props.name} replicas`, props.replicas, 1);
    validateInteger(`KafkaNodePool ${props.name} storageGiB`, props.storageGiB, 1);
    if (props.resources !== undefined) {
      validateWorkloadResources(`KafkaNodePool ${props.name}`, props.resources);
    }
    this.name = props.name;
    this.role = props.role;
    this.replicas = props.replicas;

    new ApiObject(this, 'Resource', {
      apiVersion: 'kafka.strimzi.io/v1',
      kind: 'KafkaNodePool',
      metadata: {
        name: props.name,
        namespace: props.namespaceName,
        labels: { 'strimzi.io/cluster': props.clusterName },
      },
      spec: {
        replicas: props.replicas,
        roles: [props.role],
        storage: {
          type: 'jbod',
          volumes: [
            {
              id: 0,
              type: 'persistent-claim',
              size: `${props.storageGiB}Gi`,
              ...(props.storageClass === undefined ? {} : { class: props.storageClass }),
              deleteClaim: false,
              kraftMetadata: 'shared',
            },
          ],
        },
        ...(props.resources === undefined ? {} : { resources: toQuantities(props.resources) }),
        template: { pod: { metadata: outOfMesh() } },
      },
    });
  }
}

/** Pod metadata that keeps Istio's sidecar injector away. */
export function outOfMesh(): {
  labels: Record<string, string>;
  annotations: Record<string, string>;
} {
  return { labels: { [SIDECAR_INJECT]: 'false' }, annotations: { [SIDECAR_INJECT]: 'false' } };
}
