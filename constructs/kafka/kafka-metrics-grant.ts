import type { Construct } from 'constructs';
import { Grant } from '../grants/grant.js';
import type { GrantRecord } from '../grants/grant-record.js';
import { allowNetworkAccess } from '../grants/network-access.js';
import type { IMeshIdentity } from '../mesh/mesh-identity.js';

export interface KafkaMetricsGrantProps {
  readonly namespaceName: string;
  /** The Strimzi workload (`<cluster>-kafka-exporter`). */
  readonly workloadName: string;
  readonly podLabels: Readonly<Record<string, string>>;
  readonly port: number;
  readonly grantee: IMeshIdentity;
}

/**
 * Lets the grantee scrape a Strimzi pod's metrics port. Strimzi's pods are out of the mesh,
 * so the NetworkPolicy is the whole grant: ingress on the pods, egress where the grantee's
 * namespace denies it.
 */
export class KafkaMetricsGrant extends Grant {
  public readonly record: GrantRecord;

  public constructor(scope: Construct, id: string, props: KafkaMetricsGrantProps) {
    super(scope, id);
    allowNetworkAccess(this, props.grantee, {
      namespaceName: props.namespaceName,
      name: props.workloadName,
      podLabels: props.podLabels,
      port: props.port,
    });
    this.record = {
      kind: 'tcp',
      grantee: props.grantee.principal,
      target: { namespace: props.namespaceName, workload: props.workloadName, port: props.port },
    };
  }
}
