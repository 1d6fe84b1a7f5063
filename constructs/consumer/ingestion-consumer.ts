import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-33';
import { Construct } from 'constructs';
import { addPodDisruptionBudget, addTopologySpread } from '../common/disruption.js';
import { envVariables } from '../common/env-variables.js';
import { commonLabels, selectorLabels } from '../common/labels.js';
import {
  addPodSeccompProfile,
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
} from '../common/pod-security.js';
import {
  validateDns1123Label,
  validateImageReference,
  validateInteger,
} from '../common/validate.js';
import { validateWorkloadPort, type WorkloadPort } from '../common/workload-port.js';
import {
  toContainerResources,
  validateWorkloadResources,
  type WorkloadResources,
} from '../common/workload-resources.js';
import { HttpGrant } from '../grants/http-grant.js';
import { type IKafkaClient, KafkaClientUser } from '../kafka/kafka-client-user.js';
import { KafkaCluster } from '../kafka/kafka-cluster.js';
import type { KafkaTopic } from '../kafka/kafka-topic.js';
import { type IMeshIdentity, MeshIdentity } from '../mesh/mesh-identity.js';
import type { IMeshNamespace } from '../mesh/mesh-namespace.js';
import type { IMeshWorkload } from '../mesh/mesh-workload.js';

export interface IngestionConsumerProps {
  readonly namespace: IMeshNamespace;
  /** Container image, pinned by tag or digest. */
  readonly image: string;
  readonly kafka: KafkaCluster;
  /** The topic the consumer reads; its partition count caps the useful replica count. */
  readonly sourceTopic: KafkaTopic;
  /** Base URL of the embedder, e.g. `http://embedder.meshrag.svc:8080`. */
  readonly embedderUrl: string;
  /** Base URL of Chroma, e.g. `http://chroma.meshrag.svc:8000`. */
  readonly chromaUrl: string;
  /**
   * Workload, ServiceAccount, KafkaUser and Service name.
   * @default 'consumer'
   */
  readonly name?: string;
  /**
   * Consumer group id.
   * @default 'meshrag-ingest'
   */
  readonly groupId?: string;
  /**
   * Pods; at most the source topic's partitions (an extra consumer in a group sits idle).
   * @default 1
   */
  readonly replicas?: number;
  /**
   * Port serving `/health` and `/metrics`.
   * @default 9464
   */
  readonly metricsPort?: number;
  /** @default - 250m/256 MiB requested, 512 MiB memory limit */
  readonly resources?: WorkloadResources;
  /**
   * Secret (in the consumer's namespace) holding the Kafka cluster CA certificate `ca.crt`.
   * Strimzi creates it in the broker namespace; the deploying layer copies it here.
   * @default - `<cluster>-cluster-ca-cert`
   */
  readonly clusterCaSecretName?: string;
  /**
   * Model directory inside the image (the consumer reads the tokenizer files from it).
   * @default '/opt/meshrag/model'
   */
  readonly modelDir?: string;
  /**
   * Extra environment variables.
   * @default - none
   */
  readonly env?: Readonly<Record<string, string>>;
}

const DEFAULT_RESOURCES: WorkloadResources = {
  cpuRequestMillis: 250,
  memoryRequestMiB: 256,
  memoryLimitMiB: 512,
};
const USER_CERT_DIR = '/etc/kafka/user';
const CLUSTER_CA_DIR = '/etc/kafka/cluster-ca';

/**
 * The ingestion consumer: a Deployment that reads parsed documents from Kafka as its own
 * KafkaUser (client certificate mounted from Strimzi's Secret), calls the embedder and writes
 * to Chroma. It holds no access until granted: topic ACLs, embedder and Chroma grants.
 */
export class IngestionConsumer extends Construct implements IMeshWorkload, IKafkaClient {
  public static readonly METRICS_PORT_NAME = 'http-metrics';

  public readonly namespace: IMeshNamespace;
  public readonly workloadName: string;
  public readonly selectorLabels: Readonly<Record<string, string>>;
  public readonly ports: readonly WorkloadPort[];
  public readonly identity: MeshIdentity;
  public readonly kafkaUser: KafkaClientUser;
  public readonly groupId: string;
  public readonly replicas: number;
  public readonly metricsPort: number;
  public readonly modelDir: string;
  public readonly deployment: kplus.Deployment;
  public readonly service: kplus.Service;

  public constructor(scope: Construct, id: string, props: IngestionConsumerProps) {
    super(scope, id);
    this.namespace = props.namespace;
    this.workloadName = props.name ?? 'consumer';
    this.selectorLabels = selectorLabels(this.workloadName);
    this.groupId = props.groupId ?? 'meshrag-ingest';
    this.replicas = props.replicas ?? 1;
    this.metricsPort = props.metricsPort ?? 9464;
    this.modelDir = props.modelDir ?? '/opt/meshrag/model';
    this.ports = [
      { name: IngestionConsumer.METRICS_PORT_NAME, port: this.metricsPort, protocol: 'http' },
    ];
    const resources = props.resources ?? DEFAULT_RESOURCES;
    const clusterCaSecretName = props.clusterCaSecretName ?? props.kafka.clusterCaSecretName;

    validateDns1123Label('IngestionConsumer name', this.workloadName);
    validateImageReference('IngestionConsumer image', props.image);
    validateInteger('IngestionConsumer replicas', this.replicas, 1);
    if (this.replicas > props.sourceTopic.partitions) {
      throw new Error(
        `IngestionConsumer: ${this.replicas} replicas but topic ${props.sourceTopic.topicName} has ${props.sourceTopic.partitions} partitions; extra consumers in group ${this.groupId} would sit idle. Lower replicas or raise partitions`,
      );
    }
    validateWorkloadResources('IngestionConsumer', resources);
    for (const p of this.ports) validateWorkloadPort('IngestionConsumer', p);

    this.identity = new MeshIdentity(this, 'Identity', {
      namespace: this.namespace,
      name: this.workloadName,
    });
    this.kafkaUser = new KafkaClientUser(this, 'KafkaUser', {
      cluster: props.kafka,
      identity: this.identity,
    });

    const userCert = kplus.Volume.fromSecret(
      this,
      'UserCert',
      kplus.Secret.fromSecretName(this, 'UserSecret', this.kafkaUser.secretName),
      { name: 'kafka-user-cert' },
    );
    const clusterCa = kplus.Volume.fromSecret(
      this,
      'ClusterCa',
      kplus.Secret.fromSecretName(this, 'ClusterCaSecret', clusterCaSecretName),
      { name: 'kafka-cluster-ca' },
    );
    const tmp = kplus.Volume.fromEmptyDir(this, 'Tmp', 'tmp', { sizeLimit: Size.mebibytes(64) });

    this.deployment = new kplus.Deployment(this, 'Resource', {
      metadata: {
        name: this.workloadName,
        namespace: this.namespace.name,
        labels: commonLabels(this.workloadName),
      },
      podMetadata: {
        labels: commonLabels(this.workloadName),
        // Kafka TLS goes straight to the brokers, which are out of the mesh: keep the
        // sidecar out of that path. NetworkPolicies still apply.
        annotations: {
          'traffic.sidecar.istio.io/excludeOutboundPorts': String(KafkaCluster.TLS_PORT),
        },
      },
      serviceAccount: this.identity.serviceAccount,
      automountServiceAccountToken: false,
      select: false,
      replicas: this.replicas,
      securityContext: restrictedPodSecurityContext(),
      containers: [
        {
          name: 'consumer',
          image: props.image,
          imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
          ports: [{ name: IngestionConsumer.METRICS_PORT_NAME, number: this.metricsPort }],
          // Names as app/consumer/src/config.ts reads them (MESHRAG_CONSUMER_<KEY>).
          envVariables: envVariables({
            MESHRAG_CONSUMER_KAFKA_BROKERS: props.kafka.bootstrapServers,
            MESHRAG_CONSUMER_KAFKA_CLIENT_ID: this.workloadName,
            MESHRAG_CONSUMER_GROUP_ID: this.groupId,
            MESHRAG_CONSUMER_KAFKA_TLS_CA_FILE: `${CLUSTER_CA_DIR}/ca.crt`,
            MESHRAG_CONSUMER_KAFKA_TLS_CERT_FILE: `${USER_CERT_DIR}/user.crt`,
            MESHRAG_CONSUMER_KAFKA_TLS_KEY_FILE: `${USER_CERT_DIR}/user.key`,
            MESHRAG_CONSUMER_EMBEDDER_URL: props.embedderUrl,
            MESHRAG_CONSUMER_CHROMA_URL: props.chromaUrl,
            MESHRAG_CONSUMER_MODEL_DIR: this.modelDir,
            MESHRAG_CONSUMER_HTTP_HOST: '0.0.0.0',
            MESHRAG_CONSUMER_HTTP_PORT: String(this.metricsPort),
            ...props.env,
          }),
          resources: toContainerResources(resources),
          securityContext: restrictedContainerSecurityContext(),
          volumeMounts: [
            { path: USER_CERT_DIR, volume: userCert, readOnly: true },
            { path: CLUSTER_CA_DIR, volume: clusterCa, readOnly: true },
            { path: '/tmp', volume: tmp },
          ],
          // Startup: the server listens once Chroma answered and the tokenizer loaded, which
          // can take a while on a cold node; liveness only counts after that.
          startup: kplus.Probe.fromHttpGet('/livez', {
            port: this.metricsPort,
            periodSeconds: Duration.seconds(5),
            failureThreshold: 36,
          }),
          // Readiness follows group membership; liveness does not (nor Chroma): a rebalance
          // or a Chroma outage takes the pod out of readiness, never gets it restarted.
          readiness: kplus.Probe.fromHttpGet('/readyz', {
            port: this.metricsPort,
            periodSeconds: Duration.seconds(5),
          }),
          liveness: kplus.Probe.fromHttpGet('/livez', {
            port: this.metricsPort,
            periodSeconds: Duration.seconds(10),
            failureThreshold: 3,
          }),
        },
      ],
      // Let an in-flight batch finish and commit before the pod goes (SIGTERM handling).
      terminationGracePeriod: Duration.seconds(60),
    });
    this.deployment.select(kplus.LabelSelector.of({ labels: { ...this.selectorLabels } }));
    addPodSeccompProfile(this.deployment);
    addTopologySpread(this.deployment, this.selectorLabels);
    // One consumer at a time: each leaving pod costs the group a rebalance.
    addPodDisruptionBudget(this, 'DisruptionBudget', {
      namespaceName: this.namespace.name,
      name: this.workloadName,
      selectorLabels: this.selectorLabels,
      maxUnavailable: 1,
    });

    this.service = new kplus.Service(this, 'Service', {
      metadata: {
        name: this.workloadName,
        namespace: this.namespace.name,
        labels: commonLabels(this.workloadName),
      },
      ports: [
        {
          name: IngestionConsumer.METRICS_PORT_NAME,
          port: this.metricsPort,
          targetPort: this.metricsPort,
        },
      ],
    });
    for (const [k, v] of Object.entries(this.selectorLabels)) this.service.selectLabel(k, v);
  }

  public get namespaceName(): string {
    return this.identity.namespaceName;
  }
  public get serviceAccountName(): string {
    return this.identity.serviceAccountName;
  }
  public get principal(): string {
    return this.identity.principal;
  }
  public get podLabels(): Readonly<Record<string, string>> {
    return this.identity.podLabels;
  }
  public get egressRestricted(): boolean {
    return this.identity.egressRestricted;
  }

  /** Lets the grantee scrape `GET /metrics`. */
  public grantMetricsScrape(grantee: IMeshIdentity): HttpGrant {
    return new HttpGrant(this, `Metrics-${grantee.namespaceName}-${grantee.serviceAccountName}`, {
      target: this,
      grantee,
      name: 'metrics',
      portName: IngestionConsumer.METRICS_PORT_NAME,
      operations: [{ methods: ['GET'], paths: ['/metrics'] }],
    });
  }
}
