import { Construct } from 'constructs';
import { selectorLabels } from '../common/labels.js';
import { validateDns1123Label } from '../common/validate.js';
import { type IKafkaClient, KafkaClientUser } from '../kafka/kafka-client-user.js';
import type { KafkaCluster } from '../kafka/kafka-cluster.js';
import { type IMeshIdentity, MeshIdentity } from '../mesh/mesh-identity.js';
import type { IMeshNamespace } from '../mesh/mesh-namespace.js';
import type { OnboardedService } from './onboarded-service.js';

export interface OnboardedIdentityProps {
  readonly service: OnboardedService;
  /** The service's namespace; meshrag does not own it unless it is the app namespace. */
  readonly namespace: IMeshNamespace;
  /** Producers only: the cluster whose KafkaUser the service gets. */
  readonly kafka?: KafkaCluster;
}

/**
 * The identity of a service meshrag onboards (a producer or a reader): nothing is emitted in
 * its namespace, grants name its principal and pod labels. A producer also gets a `tls`
 * KafkaUser in the User Operator's namespace, whose Secret the deploying layer copies to the
 * service's namespace. Access comes only from the grants the stack gives it.
 */
export class OnboardedIdentity extends Construct implements IMeshIdentity {
  public readonly namespaceName: string;
  public readonly serviceAccountName: string;
  public readonly principal: string;
  public readonly podLabels: Readonly<Record<string, string>>;
  public readonly egressRestricted: boolean;
  public readonly serviceName: string;

  public constructor(scope: Construct, id: string, props: OnboardedIdentityProps) {
    super(scope, id);
    const { service, namespace } = props;
    validateDns1123Label('onboarded service name', service.name);
    if (!namespace.sidecarInjection) {
      throw new Error(
        `${service.name}: namespace '${namespace.name}' has no Istio sidecar injection, so its pods have no mesh identity and no grant could name them; run the service in a meshed namespace`,
      );
    }
    const identity = MeshIdentity.fromExternal({
      namespaceName: namespace.name,
      serviceAccountName: service.serviceAccount,
      podLabels: service.podLabels ?? selectorLabels(service.name),
    });
    this.serviceName = service.name;
    this.namespaceName = identity.namespaceName;
    this.serviceAccountName = identity.serviceAccountName;
    this.principal = identity.principal;
    this.podLabels = identity.podLabels;
    this.egressRestricted = namespace.defaultDenyEgress;
  }
}

/** A producer: an onboarded identity with its own KafkaUser, the grantee of produce grants. */
export class OnboardedProducer extends OnboardedIdentity implements IKafkaClient {
  public readonly kafkaUser: KafkaClientUser;

  public constructor(
    scope: Construct,
    id: string,
    props: OnboardedIdentityProps & { readonly kafka: KafkaCluster },
  ) {
    super(scope, id, props);
    this.kafkaUser = new KafkaClientUser(this, 'KafkaUser', {
      cluster: props.kafka,
      identity: this,
      name: props.service.name,
      secretCopiedToWorkload: this.namespaceName !== props.kafka.userNamespaceName,
    });
  }
}
