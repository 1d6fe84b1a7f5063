import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { KafkaCluster } from '../constructs/kafka/kafka-cluster.js';
import type { MeshragStackConfig } from '../constructs/meshrag-stack-config.js';
import { type RenderedObject, renderStack } from '../constructs/render/render-stack.js';
import { IstioMesh } from './istio-mesh.js';
import { StrimziOperator } from './strimzi-operator.js';

/** The concerns the rendered objects are applied in, one ConfigGroup each, in this order. */
export type PlatformGroup = 'namespaces' | 'kafka' | 'workloads' | 'services';

const GROUP_OF_KIND: Readonly<Record<string, Exclude<PlatformGroup, 'services'>>> = {
  Namespace: 'namespaces',
  ServiceAccount: 'namespaces',
  PeerAuthentication: 'namespaces',
  AuthorizationPolicy: 'namespaces',
  NetworkPolicy: 'namespaces',
  Kafka: 'kafka',
  KafkaNodePool: 'kafka',
  KafkaTopic: 'kafka',
  KafkaUser: 'kafka',
};

/** Makes the Kafka group wait until Strimzi reports the cluster and users Ready (Secrets written). */
export const KAFKA_WAIT_FOR = 'condition=Ready';

export interface MeshragPlatformArgs {
  /** The in-cluster config (a typed stack from `stacks/`, or your own). */
  readonly config: MeshragStackConfig;
  /**
   * The embedder and consumer images, e.g. {@link ServiceImage} refs pinned by digest. They
   * may be unknown at preview: the Deployments using them sit in a group of their own, so the
   * rest of the preview stays complete.
   */
  readonly images: {
    readonly embedder: pulumi.Input<string>;
    readonly consumer: pulumi.Input<string>;
  };
  /**
   * For API servers without nodes: skip Pulumi's readiness checks (`pulumi.com/skipAwait`) on
   * every object and chart, and skip the Strimzi CA copy (no operator runs to write the CA).
   * @default false
   */
  readonly skipAwait?: boolean;
  /**
   * An Istio control plane installed elsewhere, to depend on instead of installing one.
   * @default - installs its own {@link IstioMesh}
   */
  readonly istio?: pulumi.Resource;
  /**
   * A Strimzi operator installed elsewhere that watches this pipeline's namespaces.
   * @default - installs its own {@link StrimziOperator} in the Kafka namespace, watching the app namespace
   */
  readonly strimzi?: pulumi.Resource;
}

/**
 * One meshrag pipeline on a cluster: the operators it needs, and every object `renderStack`
 * renders for the config, applied as `kubernetes.yaml.v2.ConfigGroup`s, one per concern:
 * `namespaces` (namespaces, identities, mesh and network policy; after Istio, whose CRDs the
 * policies need), the Strimzi operator (after the namespaces it binds roles in), `kafka`
 * (Strimzi CRs; after the operator), `workloads` (Chroma, Services, the HPA), and `services`
 * (the embedder and consumer Deployments, whose image digests may be unknown until the images
 * are built). It also copies Strimzi's `<cluster>-cluster-ca-cert` into the app namespace,
 * where the consumer mounts it to verify the brokers. Pass the cluster's provider through
 * `providers: { kubernetes }`.
 */
export class MeshragPlatform extends pulumi.ComponentResource {
  public readonly groups: Readonly<Record<PlatformGroup, k8s.yaml.v2.ConfigGroup>>;
  public readonly istio: pulumi.Resource;
  public readonly strimzi: pulumi.Resource;
  /** The copy of the cluster CA Secret in the app namespace; undefined with `skipAwait`. */
  public readonly clusterCaCopy: k8s.core.v1.Secret | undefined;
  /**
   * What each producer outside the app namespace needs in its own namespace: its KafkaUser
   * Secret and the cluster CA, copied. Empty with `skipAwait`.
   */
  public readonly producerCredentials: readonly k8s.core.v1.Secret[];
  /** `host:port` of the Kafka TLS bootstrap Service. */
  public readonly kafkaBootstrap: pulumi.Output<string>;
  public readonly namespaces: pulumi.Output<{ app: string; kafka: string }>;

  public constructor(
    name: string,
    args: MeshragPlatformArgs,
    opts: pulumi.ComponentResourceOptions = {},
  ) {
    super('meshrag:platform:MeshragPlatform', name, {}, opts);
    const parts = createMeshragPlatform(this, name, args);
    this.groups = parts.groups;
    this.istio = parts.istio;
    this.strimzi = parts.strimzi;
    this.clusterCaCopy = parts.clusterCaCopy;
    this.producerCredentials = parts.producerCredentials;
    this.kafkaBootstrap = pulumi.output(parts.kafkaBootstrap);
    this.namespaces = pulumi.output({ ...args.config.namespaces });
    this.registerOutputs({ kafkaBootstrap: this.kafkaBootstrap, namespaces: this.namespaces });
  }
}

/** The body of {@link MeshragPlatform}, callable with any parent. */
export function createMeshragPlatform(
  parent: pulumi.Resource,
  name: string,
  args: MeshragPlatformArgs,
): Pick<
  MeshragPlatform,
  'groups' | 'istio' | 'strimzi' | 'clusterCaCopy' | 'producerCredentials'
> & {
  kafkaBootstrap: string;
} {
  const { config } = args;
  const skipAwait = args.skipAwait ?? false;
  const opts = (dependsOn: pulumi.Input<pulumi.Resource>[]) => ({ parent, dependsOn });

  // Render once with placeholder images: every object that carries one belongs to `services`
  // and is rendered again once the real references are known.
  const placeholders = {
    embedder: PLACEHOLDER_IMAGE('embedder'),
    consumer: PLACEHOLDER_IMAGE('consumer'),
  };
  const known = renderStack({ ...config, images: { ...config.images, ...placeholders } });
  const byGroup = splitIntoGroups(known.objects, Object.values(placeholders));
  const serviceKeys = new Set(byGroup.services.map(objectKey));
  const prepare = (objects: readonly RenderedObject[]) => deployableObjects(objects, { skipAwait });

  const istio = args.istio ?? new IstioMesh(`${name}-istio`, { skipAwait }, { parent });
  const namespaces = new k8s.yaml.v2.ConfigGroup(
    `${name}-namespaces`,
    { objs: prepare(byGroup.namespaces), skipAwait },
    opts([istio]),
  );
  const strimzi =
    args.strimzi ??
    new StrimziOperator(
      `${name}-strimzi`,
      {
        namespace: config.namespaces.kafka,
        watchNamespaces: [config.namespaces.app],
        skipAwait,
      },
      opts([namespaces]),
    );
  const kafka = new k8s.yaml.v2.ConfigGroup(
    `${name}-kafka`,
    { objs: prepare(byGroup.kafka), skipAwait },
    opts([strimzi, namespaces]),
  );
  const workloads = new k8s.yaml.v2.ConfigGroup(
    `${name}-workloads`,
    { objs: prepare(byGroup.workloads), skipAwait },
    opts([istio, namespaces]),
  );

  const clusterCaCopy = skipAwait ? undefined : copyClusterCa(parent, name, config, kafka);
  const producerCredentials = skipAwait ? [] : copyProducerCredentials(parent, name, config, kafka);

  const images = pulumi.all([args.images.embedder, args.images.consumer]);
  const serviceObjects = images.apply(([embedder, consumer]) =>
    prepare(
      renderStack({ ...config, images: { ...config.images, embedder, consumer } }).objects.filter(
        (o) => serviceKeys.has(objectKey(o)),
      ),
    ),
  );
  const services = new k8s.yaml.v2.ConfigGroup(
    `${name}-services`,
    { objs: serviceObjects, skipAwait },
    opts([istio, namespaces, kafka, workloads, ...(clusterCaCopy ? [clusterCaCopy] : [])]),
  );

  const bootstrap = `${config.kafka.clusterName}-kafka-bootstrap.${config.namespaces.kafka}.svc:${KafkaCluster.TLS_PORT}`;
  return {
    groups: { namespaces, kafka, workloads, services },
    istio,
    strimzi,
    clusterCaCopy,
    producerCredentials,
    kafkaBootstrap: bootstrap,
  };
}

/**
 * The copy of Strimzi's cluster CA certificate in the app namespace. Strimzi writes
 * `<cluster>-cluster-ca-cert` into the Kafka namespace only once it reconciles the Kafka CR;
 * the Kafka group waits for the cluster to be Ready (`pulumi.com/waitFor`), and the read's id
 * comes from that group's outputs, so on the first `up` it runs after Strimzi wrote the CA, and
 * on the first preview it is unknown (no failed read). Every later `up` reads it again, so a CA
 * Strimzi renewed (30 days before expiry by default) reaches the copy on the next deploy.
 */
function copyClusterCa(
  parent: pulumi.Resource,
  name: string,
  config: MeshragStackConfig,
  kafka: k8s.yaml.v2.ConfigGroup,
): k8s.core.v1.Secret {
  const secretName = `${config.kafka.clusterName}-cluster-ca-cert`;
  const sourceId = kafka.resources.apply(() => `${config.namespaces.kafka}/${secretName}`);
  const source = k8s.core.v1.Secret.get(`${name}-cluster-ca-source`, sourceId, {
    parent,
    dependsOn: [kafka],
  });
  return new k8s.core.v1.Secret(
    `${name}-cluster-ca`,
    {
      metadata: {
        name: secretName,
        namespace: config.namespaces.app,
        labels: {
          'app.kubernetes.io/part-of': 'meshrag',
          'app.kubernetes.io/managed-by': 'meshrag',
        },
        annotations: { 'meshrag.io/copied-from': `${config.namespaces.kafka}/${secretName}` },
      },
      type: 'Opaque',
      data: pulumi.secret(source.data.apply((data) => ({ 'ca.crt': data?.['ca.crt'] ?? '' }))),
    },
    { parent, dependsOn: [kafka], additionalSecretOutputs: ['data', 'stringData'] },
  );
}

/** The keys of the Secret Strimzi's User Operator writes for a `tls` KafkaUser. */
export const KAFKA_USER_SECRET_KEYS = [
  'ca.crt',
  'user.crt',
  'user.key',
  'user.p12',
  'user.password',
] as const;

/**
 * Copies, for each producer outside the app namespace, its KafkaUser Secret (written by the User
 * Operator into the app namespace, where it watches) and the cluster CA into the producer's
 * namespace, where its pods mount them: the client certificate to authenticate, the CA to
 * verify the brokers. Like the cluster CA copy, the reads wait for the Kafka group (the Kafka CR
 * and every KafkaUser Ready) and run again on every `up`, so renewed certificates reach the
 * copies on the next deploy. The producer's namespace belongs to its team and must exist.
 */
function copyProducerCredentials(
  parent: pulumi.Resource,
  name: string,
  config: MeshragStackConfig,
  kafka: k8s.yaml.v2.ConfigGroup,
): k8s.core.v1.Secret[] {
  const app = config.namespaces.app;
  const caName = `${config.kafka.clusterName}-cluster-ca-cert`;
  const copies: k8s.core.v1.Secret[] = [];
  const caSource = (): k8s.core.v1.Secret =>
    k8s.core.v1.Secret.get(
      `${name}-producers-cluster-ca-source`,
      kafka.resources.apply(() => `${config.namespaces.kafka}/${caName}`),
      { parent, dependsOn: [kafka] },
    );
  let ca: k8s.core.v1.Secret | undefined;
  const namespacesWithCa = new Set<string>();
  for (const producer of config.producers ?? []) {
    if (producer.namespace === app) continue;
    const source = k8s.core.v1.Secret.get(
      `${name}-producer-${producer.name}-source`,
      kafka.resources.apply(() => `${app}/${producer.name}`),
      { parent, dependsOn: [kafka] },
    );
    copies.push(
      copiedSecret(parent, `${name}-producer-${producer.name}`, {
        name: producer.name,
        namespace: producer.namespace,
        from: `${app}/${producer.name}`,
        data: source.data.apply((data) =>
          Object.fromEntries(KAFKA_USER_SECRET_KEYS.map((k) => [k, data?.[k] ?? ''])),
        ),
        dependsOn: kafka,
      }),
    );
    if (!namespacesWithCa.has(producer.namespace)) {
      namespacesWithCa.add(producer.namespace);
      ca ??= caSource();
      copies.push(
        copiedSecret(parent, `${name}-cluster-ca-${producer.namespace}`, {
          name: caName,
          namespace: producer.namespace,
          from: `${config.namespaces.kafka}/${caName}`,
          data: ca.data.apply(
            (data): Record<string, string> => ({ 'ca.crt': data?.['ca.crt'] ?? '' }),
          ),
          dependsOn: kafka,
        }),
      );
    }
  }
  return copies;
}

function copiedSecret(
  parent: pulumi.Resource,
  resourceName: string,
  args: {
    readonly name: string;
    readonly namespace: string;
    readonly from: string;
    readonly data: pulumi.Output<Record<string, string>>;
    readonly dependsOn: pulumi.Resource;
  },
): k8s.core.v1.Secret {
  return new k8s.core.v1.Secret(
    resourceName,
    {
      metadata: {
        name: args.name,
        namespace: args.namespace,
        labels: {
          'app.kubernetes.io/part-of': 'meshrag',
          'app.kubernetes.io/managed-by': 'meshrag',
        },
        annotations: { 'meshrag.io/copied-from': args.from },
      },
      type: 'Opaque',
      data: pulumi.secret(args.data),
    },
    { parent, dependsOn: [args.dependsOn], additionalSecretOutputs: ['data', 'stringData'] },
  );
}

function PLACEHOLDER_IMAGE(service: string): string {
  return `meshrag.invalid/pending-${service}:image`;
}

/** `Kind/namespace/name`, unique within a rendered stack. */
export function objectKey(o: RenderedObject): string {
  return `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

/**
 * Splits rendered objects by concern: kinds listed in {@link GROUP_OF_KIND} to theirs, objects
 * that mention one of `serviceImages` to `services`, everything else to `workloads`.
 */
export function splitIntoGroups(
  objects: readonly RenderedObject[],
  serviceImages: readonly string[],
): Record<PlatformGroup, RenderedObject[]> {
  const groups: Record<PlatformGroup, RenderedObject[]> = {
    namespaces: [],
    kafka: [],
    workloads: [],
    services: [],
  };
  for (const o of objects) {
    const json = JSON.stringify(o);
    if (serviceImages.some((image) => json.includes(image))) groups.services.push(o);
    else groups[GROUP_OF_KIND[o.kind] ?? 'workloads'].push(o);
  }
  return groups;
}

/**
 * What the deploy adds to rendered objects: the Kafka CR and the KafkaUsers wait for Ready (so
 * the CA and the producers' user Secrets exist when they are copied), unless readiness is
 * skipped altogether. The objects are copied, never changed.
 */
export function deployableObjects(
  objects: readonly RenderedObject[],
  options: { readonly skipAwait: boolean },
): RenderedObject[] {
  return objects.map((o) => {
    if (options.skipAwait || (o.kind !== 'Kafka' && o.kind !== 'KafkaUser')) return o;
    const annotations = (o.metadata.annotations ?? {}) as Record<string, string>;
    return {
      ...o,
      metadata: {
        ...o.metadata,
        annotations: { ...annotations, 'pulumi.com/waitFor': KAFKA_WAIT_FOR },
      },
    };
  });
}
