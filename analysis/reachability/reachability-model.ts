/**
 * The facts the reachability analysis needs, read from rendered manifests only: namespaces,
 * workloads (with identity, mesh membership, ports and mounted secrets), the Strimzi Kafka
 * clusters as workloads out of the mesh, and the policy objects. Nothing here knows about the
 * constructs that rendered the manifests.
 */
import { matchesLabelMap, matchesLabelSelector } from './label-selector.js';
import {
  apiGroupOf,
  asArray,
  asLabels,
  asPortNumber,
  asRecord,
  asString,
  asStringArray,
  type Labels,
  type ManifestObject,
  namespaceOf,
} from './manifest-object.js';

/** Istio's mesh root namespace: mesh-wide PeerAuthentication and AuthorizationPolicy live here. */
export const MESH_ROOT_NAMESPACE = 'istio-system';
/** The trust domain in mesh principals (`<trust domain>/ns/<ns>/sa/<sa>`). */
export const TRUST_DOMAIN = 'cluster.local';
/** The namespace label every cluster sets on every namespace. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';
/** Names the mesh principal of the workload that holds a KafkaUser's Secret. */
export const KAFKA_USER_PRINCIPAL_ANNOTATION = 'meshrag.io/mesh-principal';
/**
 * On a `Kafka`: `'false'` says its Cluster Operator runs with
 * `STRIMZI_NETWORK_POLICY_GENERATION=false`, so the cluster's NetworkPolicies are the rendered
 * ones only; otherwise the operator's generated policies are modelled.
 */
export const STRIMZI_NETWORK_POLICY_GENERATION_ANNOTATION =
  'meshrag.io/strimzi-network-policy-generation';
/**
 * On a `Kafka`: the namespace its Strimzi Cluster Operator runs in. When that is the Kafka
 * namespace, the operator (installed from Strimzi's chart, not rendered) is modelled there as
 * the Deployment `strimzi-cluster-operator`.
 */
export const STRIMZI_CLUSTER_OPERATOR_NAMESPACE_ANNOTATION =
  'meshrag.io/strimzi-cluster-operator-namespace';
/**
 * On a NetworkPolicy: the mesh principal whose pods its `from` peers select (meshrag's grants
 * write it), so an identity no rendered workload carries takes only its own pod labels.
 */
export const FROM_PRINCIPAL_ANNOTATION = 'meshrag.io/from-principal';
/** Istio's per-pod injection switch (label, or the older annotation). */
export const SIDECAR_INJECT = 'sidecar.istio.io/inject';

/** How the mesh treats a port: `http` covers HTTP/1.1, HTTP/2 and gRPC; `unknown` means Istio sniffs. */
export type PortProtocol = 'http' | 'tcp' | 'unknown';

/**
 * Stands for every port the pods do not declare: containers may listen on any port, and a
 * rule without `ports` opens them all. Edges show it as `:*`.
 */
export const UNDECLARED_PORT = 0;

export interface WorkloadPort {
  /** Container port, or {@link UNDECLARED_PORT}. */
  readonly port: number;
  /** Container port name, when it has one. */
  readonly name?: string;
  readonly protocol: PortProtocol;
}

/** Pods of one Deployment/StatefulSet (or one Strimzi node pool), as one unit of identity. */
export interface Workload {
  readonly namespace: string;
  /** Deployment/StatefulSet name; for Strimzi, the StrimziPodSet name `<cluster>-<pool>`. */
  readonly name: string;
  readonly kind: string;
  readonly labels: Labels;
  readonly serviceAccount: string;
  /** Mesh principal the pods would present: `cluster.local/ns/<ns>/sa/<sa>`. */
  readonly principal: string;
  /** True when the pods get an Istio sidecar. */
  readonly meshed: boolean;
  readonly ports: readonly WorkloadPort[];
  /** Names of the Secrets the pods mount or read (volumes, projected volumes, env). */
  readonly secrets: ReadonlySet<string>;
  /** Set on Strimzi-managed Kafka pods: the Kafka cluster they belong to. */
  readonly kafkaCluster?: string;
}

export interface KafkaListener {
  readonly name: string;
  readonly port: number;
  readonly tls: boolean;
  /** `tls`, `scram-sha-512`, ...; undefined for an unauthenticated listener. */
  readonly authentication?: string;
  /** `networkPolicyPeers` as written; undefined (or empty) means Strimzi opens the port to all. */
  readonly networkPolicyPeers: readonly unknown[];
}

export interface KafkaCluster {
  readonly namespace: string;
  readonly name: string;
  readonly listeners: readonly KafkaListener[];
  /** `simple`, ...; undefined when the cluster authorizes nothing (every client may do anything). */
  readonly authorization?: string;
  /** Super users (`CN=...` or `User:CN=...`) bypass ACLs. */
  readonly superUsers: readonly string[];
  /** Kafka's `allow.everyone.if.no.acl.found`: a resource no ACL names is open to everyone. */
  readonly allowEveryoneIfNoAclFound: boolean;
  /** Names of the broker workloads (node pools with the broker role). */
  readonly brokerWorkloads: readonly string[];
  /** Where the User Operator reads KafkaUsers (`entityOperator.userOperator.watchedNamespace`). */
  readonly userNamespace: string;
  /** Where the Topic Operator reads KafkaTopics (`entityOperator.topicOperator.watchedNamespace`). */
  readonly topicNamespace: string;
}

export type KafkaResourceType = 'topic' | 'group' | 'cluster' | 'transactionalId';

export interface KafkaAclRule {
  readonly resourceType: KafkaResourceType;
  /** Resource name; `*` with a literal pattern means every resource of the type. */
  readonly name: string;
  readonly patternType: 'literal' | 'prefix';
  readonly operations: readonly string[];
  readonly host: string;
  readonly type: 'allow' | 'deny';
}

export interface KafkaUser {
  readonly namespace: string;
  readonly name: string;
  readonly cluster: string;
  /**
   * The mesh principal the manifests say uses this user (annotation
   * {@link KAFKA_USER_PRINCIPAL_ANNOTATION}). When no rendered workload mounts the user's
   * Secret, that principal is taken to hold a copy (a service deployed elsewhere).
   */
  readonly principal?: string;
  readonly authentication?: string;
  readonly authorization?: string;
  readonly acls: readonly KafkaAclRule[];
}

export interface KafkaTopic {
  readonly namespace: string;
  readonly cluster: string;
  /** `spec.topicName` or the object name. */
  readonly name: string;
}

export interface Namespace {
  readonly name: string;
  readonly labels: Labels;
}

/** A policy object with where it came from (a rendered object, or synthesised for an operator). */
export interface PolicyObject {
  readonly object: ManifestObject;
  /** Set when the analysis synthesised the object for what an operator creates at run time. */
  readonly synthesisedFor?: string;
}

export interface ReachabilityModel {
  readonly namespaces: ReadonlyMap<string, Namespace>;
  readonly workloads: readonly Workload[];
  readonly peerAuthentications: readonly ManifestObject[];
  readonly authorizationPolicies: readonly ManifestObject[];
  readonly networkPolicies: readonly PolicyObject[];
  readonly kafkaClusters: readonly KafkaCluster[];
  readonly kafkaUsers: readonly KafkaUser[];
  readonly kafkaTopics: readonly KafkaTopic[];
  /**
   * Principals that policies name but no rendered workload carries (a monitoring stack
   * installed elsewhere): analysed as peers whose pod labels we cannot see.
   */
  readonly externalPrincipals: readonly string[];
  /** What the model could not read exactly, and how it leaned (always towards more reach). */
  readonly warnings: readonly string[];
}

/** `cluster.local/ns/<ns>/sa/<sa>`. */
export function meshPrincipal(namespace: string, serviceAccount: string): string {
  return `${TRUST_DOMAIN}/ns/${namespace}/sa/${serviceAccount}`;
}

/** The namespace a principal's certificate names, or null when it is not a Kubernetes SPIFFE id. */
export function principalNamespace(principal: string): string | null {
  const match = /^[^/]+\/ns\/([^/]+)\/sa\/[^/]+$/.exec(principal);
  return match?.[1] ?? null;
}

const WORKLOAD_KINDS: Readonly<Record<string, (object: ManifestObject) => unknown>> = {
  Deployment: (object) => asRecord(object.spec).template,
  StatefulSet: (object) => asRecord(object.spec).template,
  DaemonSet: (object) => asRecord(object.spec).template,
  ReplicaSet: (object) => asRecord(object.spec).template,
  Job: (object) => asRecord(object.spec).template,
  CronJob: (object) => asRecord(asRecord(asRecord(object.spec).jobTemplate).spec).template,
  Pod: (object) => object,
};

/** Builds the model from rendered objects. */
export function buildReachabilityModel(objects: readonly ManifestObject[]): ReachabilityModel {
  const warnings: string[] = [];
  const namespaces = new Map<string, Namespace>();
  for (const object of objects) {
    if (object.kind === 'Namespace' && apiGroupOf(object) === '') {
      const name = object.metadata.name;
      namespaces.set(name, {
        name,
        labels: { ...asLabels(object.metadata.labels), [NAMESPACE_NAME_LABEL]: name },
      });
    }
  }
  const namespaceLabels = (name: string): Labels =>
    namespaces.get(name)?.labels ?? { [NAMESPACE_NAME_LABEL]: name };

  const services = objects.filter((o) => o.kind === 'Service' && apiGroupOf(o) === '');
  const workloads: Workload[] = [];
  for (const object of objects) {
    const templateOf = WORKLOAD_KINDS[object.kind];
    if (templateOf === undefined || !['apps', 'batch', ''].includes(apiGroupOf(object))) continue;
    const template = asRecord(templateOf(object));
    const podMeta = asRecord(template.metadata);
    const podSpec = asRecord(template.spec);
    const namespace = namespaceOf(object);
    const labels = asLabels(podMeta.labels);
    const serviceAccount =
      asString(podSpec.serviceAccountName) ?? asString(podSpec.serviceAccount) ?? 'default';
    const containerPorts = readContainerPorts(podSpec);
    workloads.push({
      namespace,
      name: object.metadata.name,
      kind: object.kind,
      labels,
      serviceAccount,
      principal: meshPrincipal(namespace, serviceAccount),
      meshed: isMeshed(namespaceLabels(namespace), labels, asLabels(podMeta.annotations)),
      ports: [
        ...containerPorts.map((port) => ({
          ...port,
          protocol: portProtocol(namespace, labels, port, services, warnings, object.metadata.name),
        })),
        { port: UNDECLARED_PORT, protocol: 'unknown' as const },
      ],
      secrets: readSecretNames(podSpec),
    });
  }

  const kafkaObjects = objects.filter((o) => apiGroupOf(o) === 'kafka.strimzi.io');
  const kafkaClusters: KafkaCluster[] = [];
  const syntheticPolicies: PolicyObject[] = [];
  for (const kafka of kafkaObjects.filter((o) => o.kind === 'Kafka')) {
    const pools = kafkaObjects.filter(
      (o) =>
        o.kind === 'KafkaNodePool' &&
        namespaceOf(o) === namespaceOf(kafka) &&
        asLabels(o.metadata.labels)['strimzi.io/cluster'] === kafka.metadata.name,
    );
    const { cluster, poolWorkloads, policies } = readKafka(
      kafka,
      pools,
      namespaceLabels(namespaceOf(kafka)),
      warnings,
    );
    kafkaClusters.push(cluster);
    workloads.push(...poolWorkloads);
    syntheticPolicies.push(...policies);
  }

  const kafkaUsers = kafkaObjects
    .filter((o) => o.kind === 'KafkaUser')
    .map((o) => readKafkaUser(o, warnings));
  const kafkaTopics = kafkaObjects
    .filter((o) => o.kind === 'KafkaTopic')
    .map((o) => ({
      namespace: namespaceOf(o),
      cluster: asLabels(o.metadata.labels)['strimzi.io/cluster'] ?? '',
      name: asString(asRecord(o.spec).topicName) ?? o.metadata.name,
    }));

  const istio = objects.filter((o) => apiGroupOf(o) === 'security.istio.io');
  const authorizationPolicies = istio.filter((o) => o.kind === 'AuthorizationPolicy');
  const peerAuthentications = istio.filter((o) => o.kind === 'PeerAuthentication');
  const networkPolicies: PolicyObject[] = [
    ...objects
      .filter((o) => o.kind === 'NetworkPolicy' && apiGroupOf(o) === 'networking.k8s.io')
      .map((object) => ({ object })),
    ...syntheticPolicies,
  ];

  warnings.push(
    ...selectorsMatchingNothing(
      workloads,
      authorizationPolicies,
      peerAuthentications,
      networkPolicies,
    ),
  );

  const known = new Set(workloads.map((w) => w.principal));
  const externalPrincipals = new Set<string>();
  for (const policy of authorizationPolicies) {
    for (const rule of asArray(asRecord(policy.spec).rules)) {
      for (const from of asArray(asRecord(rule).from)) {
        for (const principal of asStringArray(asRecord(asRecord(from).source).principals)) {
          if (!principal.includes('*') && !known.has(principal)) externalPrincipals.add(principal);
        }
      }
    }
  }

  // A KafkaUser whose Secret no rendered workload mounts is used by the principal it names.
  for (const user of kafkaUsers) {
    const mounted = workloads.some(
      (w) => w.namespace === user.namespace && w.secrets.has(user.name),
    );
    if (!mounted && user.principal !== undefined && !known.has(user.principal))
      externalPrincipals.add(user.principal);
  }

  return {
    namespaces,
    workloads,
    peerAuthentications,
    authorizationPolicies,
    networkPolicies,
    kafkaClusters,
    kafkaUsers,
    kafkaTopics,
    externalPrincipals: [...externalPrincipals].sort(),
    warnings,
  };
}

/**
 * Policies whose selector selects no rendered pod (istioctl's IST0127): usually a typo, and a
 * grant that protects or opens nothing.
 */
function selectorsMatchingNothing(
  workloads: readonly Workload[],
  authorizationPolicies: readonly ManifestObject[],
  peerAuthentications: readonly ManifestObject[],
  networkPolicies: readonly PolicyObject[],
): string[] {
  const found: string[] = [];
  for (const policy of [...authorizationPolicies, ...peerAuthentications]) {
    const selector = asLabels(asRecord(asRecord(policy.spec).selector).matchLabels);
    if (Object.keys(selector).length === 0) continue;
    const namespace = namespaceOf(policy);
    const selects = workloads.some(
      (w) =>
        (namespace === MESH_ROOT_NAMESPACE || w.namespace === namespace) &&
        matchesLabelMap(selector, w.labels),
    );
    if (!selects)
      found.push(
        `${policy.kind} ${namespace}/${policy.metadata.name}: selector matches no workload (IST0127)`,
      );
  }
  for (const { object } of networkPolicies) {
    const podSelector = asRecord(asRecord(object.spec).podSelector);
    if (Object.keys(podSelector).length === 0) continue;
    const namespace = namespaceOf(object);
    if (
      !workloads.some(
        (w) => w.namespace === namespace && matchesLabelSelector(podSelector, w.labels),
      )
    ) {
      found.push(
        `NetworkPolicy ${namespace}/${object.metadata.name}: podSelector matches no workload`,
      );
    }
  }
  return found;
}

/** The labels of a namespace the model knows, or only its name label for one it does not. */
export function labelsOfNamespace(model: ReachabilityModel, name: string): Labels {
  return model.namespaces.get(name)?.labels ?? { [NAMESPACE_NAME_LABEL]: name };
}

/**
 * Whether Istio's default injector adds a sidecar: the namespace label `istio-injection`
 * (`enabled`/`disabled`) or `istio.io/rev`, and the pod's `sidecar.istio.io/inject` label
 * (or annotation), which opts a pod out (`"false"`) or in (`"true"`).
 * @see https://istio.io/latest/docs/setup/additional-setup/sidecar-injection/#controlling-the-injection-policy
 */
export function isMeshed(
  namespaceLabels: Labels,
  podLabels: Labels,
  podAnnotations: Labels,
): boolean {
  const namespaceSetting = namespaceLabels['istio-injection'];
  if (namespaceSetting === 'disabled') return false;
  const podSetting = podLabels[SIDECAR_INJECT] ?? podAnnotations[SIDECAR_INJECT];
  if (podSetting === 'false') return false;
  if (namespaceSetting === 'enabled' || namespaceLabels['istio.io/rev'] !== undefined) return true;
  return podSetting === 'true';
}

function readContainerPorts(
  podSpec: Readonly<Record<string, unknown>>,
): { port: number; name?: string }[] {
  const ports: { port: number; name?: string }[] = [];
  for (const container of [...asArray(podSpec.containers), ...asArray(podSpec.initContainers)]) {
    for (const entry of asArray(asRecord(container).ports)) {
      const record = asRecord(entry);
      const port = asPortNumber(record.containerPort);
      if (port === undefined || (asString(record.protocol) ?? 'TCP') !== 'TCP') continue;
      if (ports.some((p) => p.port === port)) continue;
      const name = asString(record.name);
      ports.push(name === undefined ? { port } : { port, name });
    }
  }
  return ports.sort((a, b) => a.port - b.port);
}

function readSecretNames(podSpec: Readonly<Record<string, unknown>>): ReadonlySet<string> {
  const names = new Set<string>();
  for (const volume of asArray(podSpec.volumes)) {
    const record = asRecord(volume);
    const secretName = asString(asRecord(record.secret).secretName);
    if (secretName !== undefined) names.add(secretName);
    for (const source of asArray(asRecord(record.projected).sources)) {
      const name = asString(asRecord(asRecord(source).secret).name);
      if (name !== undefined) names.add(name);
    }
  }
  for (const container of [...asArray(podSpec.containers), ...asArray(podSpec.initContainers)]) {
    const record = asRecord(container);
    for (const env of asArray(record.env)) {
      const name = asString(asRecord(asRecord(asRecord(env).valueFrom).secretKeyRef).name);
      if (name !== undefined) names.add(name);
    }
    for (const envFrom of asArray(record.envFrom)) {
      const name = asString(asRecord(asRecord(envFrom).secretRef).name);
      if (name !== undefined) names.add(name);
    }
  }
  return names;
}

/**
 * The protocol Istio uses for a container port: from the Services that select the pods and
 * send to that port. `appProtocol` wins over the port name prefix.
 * @see https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/
 */
function portProtocol(
  namespace: string,
  podLabels: Labels,
  containerPort: { port: number; name?: string },
  services: readonly ManifestObject[],
  warnings: string[],
  workload: string,
): PortProtocol {
  const found = new Set<PortProtocol>();
  for (const service of services) {
    if (namespaceOf(service) !== namespace) continue;
    const spec = asRecord(service.spec);
    const selector = asLabels(spec.selector);
    if (Object.keys(selector).length === 0 || !matchesLabelMap(selector, podLabels)) continue;
    for (const entry of asArray(spec.ports)) {
      const port = asRecord(entry);
      const target = port.targetPort ?? port.port;
      const targetsThis =
        asPortNumber(target) === containerPort.port ||
        (typeof target === 'string' && target === containerPort.name);
      if (!targetsThis) continue;
      found.add(protocolOf(asString(port.appProtocol), asString(port.name)));
    }
  }
  if (found.size === 0) {
    warnings.push(
      `${namespace}/${workload}: port ${containerPort.port} has no Service naming its protocol; analysed as HTTP (Istio sniffs the protocol, HTTP is the wider case)`,
    );
    return 'unknown';
  }
  if (found.size > 1) {
    warnings.push(
      `${namespace}/${workload}: Services disagree on the protocol of port ${containerPort.port} (${[...found].join(', ')}); analysed as HTTP`,
    );
    return 'unknown';
  }
  return [...found][0] ?? 'unknown';
}

const HTTP_PROTOCOLS = new Set(['http', 'http2', 'grpc', 'grpc-web', 'kubernetes.io/h2c']);
const TCP_PROTOCOLS = new Set([
  'tcp',
  'tls',
  'https',
  'mongo',
  'mysql',
  'redis',
  'kubernetes.io/ws',
]);

/** Istio's protocol from `appProtocol` (wins) or the `<protocol>[-suffix]` port name. */
export function protocolOf(
  appProtocol: string | undefined,
  portName: string | undefined,
): PortProtocol {
  const fromName = (value: string): PortProtocol => {
    const lower = value.toLowerCase();
    if (HTTP_PROTOCOLS.has(lower)) return 'http';
    if (TCP_PROTOCOLS.has(lower)) return 'tcp';
    return 'unknown';
  };
  if (appProtocol !== undefined) {
    const byApp = fromName(appProtocol);
    if (byApp !== 'unknown') return byApp;
  }
  if (portName === undefined) return 'unknown';
  const prefix = portName.split('-')[0] ?? '';
  return fromName(prefix);
}

const CONTROLPLANE_PORT = 9090;
const REPLICATION_PORT = 9091;
const KAFKA_AGENT_PORT = 8443;
const METRICS_PORT = 9404;
/** Health-check ports of the Topic and User Operator containers in the Entity Operator pod. */
const TOPIC_OPERATOR_HEALTH_PORT = 8080;
const USER_OPERATOR_HEALTH_PORT = 8081;

/**
 * A Strimzi `Kafka` and its node pools as workloads (one per pool, named like the
 * StrimziPodSet), and the NetworkPolicies the Cluster Operator creates at run time unless the
 * `Kafka` says it runs without (see {@link STRIMZI_NETWORK_POLICY_GENERATION_ANNOTATION}): not in
 * the rendered manifests, but in the cluster. The Kafka nodes' opens every listener to
 * `networkPolicyPeers` (to everyone when that list is empty) and the metrics port to everyone;
 * the Kafka Exporter's opens its metrics port, and the Entity Operator's its health ports, to
 * everyone.
 * @see https://github.com/strimzi/strimzi-kafka-operator/blob/1.2.0/cluster-operator/src/main/java/io/strimzi/operator/cluster/model/KafkaCluster.java (generateNetworkPolicy; also EntityOperator.java, KafkaExporter.java)
 */
function readKafka(
  kafka: ManifestObject,
  pools: readonly ManifestObject[],
  namespaceLabels: Labels,
  warnings: string[],
): { cluster: KafkaCluster; poolWorkloads: Workload[]; policies: PolicyObject[] } {
  const namespace = namespaceOf(kafka);
  const name = kafka.metadata.name;
  const kafkaSpec = asRecord(asRecord(kafka.spec).kafka);
  const entityOperator = asRecord(asRecord(kafka.spec).entityOperator);
  const listeners: KafkaListener[] = asArray(kafkaSpec.listeners).flatMap((entry) => {
    const record = asRecord(entry);
    const port = asPortNumber(record.port);
    if (port === undefined) return [];
    const authentication = asString(asRecord(record.authentication).type);
    return [
      {
        name: asString(record.name) ?? String(port),
        port,
        tls: record.tls === true,
        ...(authentication === undefined ? {} : { authentication }),
        networkPolicyPeers: asArray(record.networkPolicyPeers),
      },
    ];
  });
  const authorizationRecord = asRecord(kafkaSpec.authorization);
  const authorization = asString(authorizationRecord.type);
  const metricsEnabled = kafkaSpec.metricsConfig !== undefined;
  const clusterLabels: Labels = {
    'strimzi.io/cluster': name,
    'strimzi.io/name': `${name}-kafka`,
    'strimzi.io/kind': 'Kafka',
  };
  const kafkaPodMeta = asRecord(asRecord(asRecord(kafkaSpec.template).pod).metadata);
  const poolSpecs =
    pools.length > 0
      ? pools.map((pool) => ({
          pool: pool.metadata.name,
          roles: asStringArray(asRecord(pool.spec).roles),
          meta: asRecord(asRecord(asRecord(asRecord(pool.spec).template).pod).metadata),
        }))
      : [{ pool: 'kafka', roles: ['broker', 'controller'], meta: {} }];
  if (pools.length === 0) {
    warnings.push(
      `${namespace}/${name}: Kafka without KafkaNodePools; modelled as one combined pool`,
    );
  }
  const serviceAccount = `${name}-kafka`;
  const poolWorkloads: Workload[] = poolSpecs.map(({ pool, roles, meta }) => {
    const broker = roles.includes('broker');
    const controller = roles.includes('controller');
    const labels: Labels = {
      ...asLabels(kafkaPodMeta.labels),
      ...asLabels(meta.labels),
      ...clusterLabels,
      'strimzi.io/pool-name': pool,
      'strimzi.io/broker-role': String(broker),
      'strimzi.io/controller-role': String(controller),
      'strimzi.io/component-type': 'kafka',
    };
    const annotations = { ...asLabels(kafkaPodMeta.annotations), ...asLabels(meta.annotations) };
    const ports: WorkloadPort[] = [
      ...(controller ? [{ port: CONTROLPLANE_PORT, name: 'tcp-ctrlplane' }] : []),
      ...(broker ? [{ port: REPLICATION_PORT, name: 'tcp-replication' }] : []),
      { port: KAFKA_AGENT_PORT, name: 'tcp-kafkaagent' },
      ...(broker ? listeners.map((l) => ({ port: l.port, name: `tcp-${l.name}` })) : []),
      ...(metricsEnabled ? [{ port: METRICS_PORT, name: 'tcp-prometheus' }] : []),
    ]
      .map((p): WorkloadPort => ({ ...p, protocol: 'tcp' }))
      .sort((a, b) => a.port - b.port)
      .concat([{ port: UNDECLARED_PORT, protocol: 'tcp' }]);
    const meshed = isMeshed(namespaceLabels, labels, annotations);
    if (meshed) {
      warnings.push(
        `${namespace}/${name}-${pool}: Kafka pods would get an Istio sidecar, which Strimzi does not support`,
      );
    }
    return {
      namespace,
      name: `${name}-${pool}`,
      kind: 'Kafka',
      labels,
      serviceAccount,
      principal: meshPrincipal(namespace, serviceAccount),
      meshed,
      ports,
      secrets: new Set<string>(),
      kafkaCluster: name,
    };
  });

  // The operand pods Strimzi runs beside the nodes: clients of the brokers, serving nothing
  // that anyone is granted.
  const operands = [
    ...(asRecord(kafka.spec).entityOperator !== undefined
      ? [{ component: 'entity-operator', spec: entityOperator }]
      : []),
    ...(asRecord(kafka.spec).kafkaExporter !== undefined
      ? [{ component: 'kafka-exporter', spec: asRecord(asRecord(kafka.spec).kafkaExporter) }]
      : []),
  ];
  for (const { component, spec } of operands) {
    const meta = asRecord(asRecord(asRecord(spec.template).pod).metadata);
    const labels: Labels = {
      ...asLabels(meta.labels),
      'strimzi.io/cluster': name,
      'strimzi.io/kind': 'Kafka',
      'strimzi.io/name': `${name}-${component}`,
      'strimzi.io/component-type': component,
    };
    const serviceAccount = `${name}-${component}`;
    poolWorkloads.push({
      namespace,
      name: `${name}-${component}`,
      kind: 'Kafka',
      labels,
      serviceAccount,
      principal: meshPrincipal(namespace, serviceAccount),
      meshed: isMeshed(namespaceLabels, labels, asLabels(meta.annotations)),
      ports: [
        ...(component === 'kafka-exporter'
          ? [{ port: METRICS_PORT, name: 'tcp-prometheus', protocol: 'tcp' as const }]
          : [
              { port: TOPIC_OPERATOR_HEALTH_PORT, name: 'healthcheck', protocol: 'tcp' as const },
              { port: USER_OPERATOR_HEALTH_PORT, name: 'healthcheck', protocol: 'tcp' as const },
            ]),
        { port: UNDECLARED_PORT, protocol: 'tcp' },
      ],
      secrets: new Set<string>(),
      kafkaCluster: name,
    });
  }

  // The Cluster Operator beside its cluster: a client of the nodes, serving nothing granted.
  const annotations = asLabels(kafka.metadata.annotations);
  if (annotations[STRIMZI_CLUSTER_OPERATOR_NAMESPACE_ANNOTATION] === namespace) {
    const labels: Labels = {
      name: 'strimzi-cluster-operator',
      'strimzi.io/kind': 'cluster-operator',
    };
    poolWorkloads.push({
      namespace,
      name: 'strimzi-cluster-operator',
      kind: 'Deployment',
      labels,
      serviceAccount: 'strimzi-cluster-operator',
      principal: meshPrincipal(namespace, 'strimzi-cluster-operator'),
      meshed: isMeshed(namespaceLabels, labels, {}),
      ports: [{ port: UNDECLARED_PORT, protocol: 'tcp' }],
      secrets: new Set<string>(),
      kafkaCluster: name,
    });
  }

  const peer = (podLabels: Labels, anyNamespace = false): unknown => ({
    podSelector: { matchLabels: podLabels },
    ...(anyNamespace ? { namespaceSelector: {} } : {}),
  });
  const clusterOperator = peer({ 'strimzi.io/kind': 'cluster-operator' }, true);
  const kafkaPods = peer(clusterLabels);
  const rule = (port: number, from: readonly unknown[]): unknown => ({
    ports: [{ protocol: 'TCP', port }],
    ...(from.length > 0 ? { from } : {}),
  });
  const synthesised = (
    policyName: string,
    podSelector: Labels,
    ingress: unknown[],
  ): PolicyObject => ({
    object: {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: policyName, namespace },
      spec: { podSelector: { matchLabels: podSelector }, policyTypes: ['Ingress'], ingress },
    },
    synthesisedFor: `Strimzi Cluster Operator (Kafka ${namespace}/${name})`,
  });
  const generated = annotations[STRIMZI_NETWORK_POLICY_GENERATION_ANNOTATION] !== 'false';
  const policies: PolicyObject[] = generated
    ? [
        synthesised(`${name}-network-policy-kafka`, clusterLabels, [
          rule(CONTROLPLANE_PORT, [kafkaPods, clusterOperator]),
          rule(REPLICATION_PORT, [
            clusterOperator,
            kafkaPods,
            peer({ 'strimzi.io/name': `${name}-entity-operator` }),
            peer({ 'strimzi.io/name': `${name}-kafka-exporter` }),
            peer({ 'strimzi.io/name': `${name}-cruise-control` }),
          ]),
          rule(KAFKA_AGENT_PORT, [clusterOperator]),
          ...listeners.map((l) => rule(l.port, l.networkPolicyPeers)),
          ...(metricsEnabled ? [rule(METRICS_PORT, [])] : []),
        ]),
        ...operands.map(({ component }) =>
          synthesised(
            `${name}-${component}`,
            {
              'strimzi.io/cluster': name,
              'strimzi.io/kind': 'Kafka',
              'strimzi.io/name': `${name}-${component}`,
            },
            component === 'kafka-exporter'
              ? [rule(METRICS_PORT, [])]
              : [rule(TOPIC_OPERATOR_HEALTH_PORT, []), rule(USER_OPERATOR_HEALTH_PORT, [])],
          ),
        ),
      ]
    : [];

  return {
    cluster: {
      namespace,
      name,
      listeners,
      ...(authorization === undefined ? {} : { authorization }),
      superUsers: asStringArray(authorizationRecord.superUsers),
      allowEveryoneIfNoAclFound:
        String(asRecord(kafkaSpec.config)['allow.everyone.if.no.acl.found']) === 'true',
      brokerWorkloads: poolWorkloads
        .filter((w) => w.labels['strimzi.io/broker-role'] === 'true')
        .map((w) => w.name),
      userNamespace: asString(asRecord(entityOperator.userOperator).watchedNamespace) ?? namespace,
      topicNamespace:
        asString(asRecord(entityOperator.topicOperator).watchedNamespace) ?? namespace,
    },
    poolWorkloads,
    policies,
  };
}

const RESOURCE_TYPES = new Set<string>(['topic', 'group', 'cluster', 'transactionalId']);

function readKafkaUser(object: ManifestObject, warnings: string[]): KafkaUser {
  const spec = asRecord(object.spec);
  const namespace = namespaceOf(object);
  const authentication = asString(asRecord(spec.authentication).type);
  const authorizationRecord = asRecord(spec.authorization);
  const authorization = asString(authorizationRecord.type);
  const acls: KafkaAclRule[] = [];
  for (const entry of asArray(authorizationRecord.acls)) {
    const acl = asRecord(entry);
    const resource = asRecord(acl.resource);
    const resourceType = asString(resource.type) ?? '';
    if (!RESOURCE_TYPES.has(resourceType)) {
      warnings.push(
        `${namespace}/${object.metadata.name}: ACL on unknown resource type '${resourceType}' ignored`,
      );
      continue;
    }
    const single = asString(acl.operation);
    acls.push({
      resourceType: resourceType as KafkaResourceType,
      name: resourceType === 'cluster' ? 'kafka-cluster' : (asString(resource.name) ?? ''),
      patternType: asString(resource.patternType) === 'prefix' ? 'prefix' : 'literal',
      operations: [...asStringArray(acl.operations), ...(single === undefined ? [] : [single])],
      host: asString(acl.host) ?? '*',
      type: asString(acl.type) === 'deny' ? 'deny' : 'allow',
    });
  }
  const principal = asLabels(object.metadata.annotations)[KAFKA_USER_PRINCIPAL_ANNOTATION];
  return {
    namespace,
    name: object.metadata.name,
    cluster: asLabels(object.metadata.labels)['strimzi.io/cluster'] ?? '',
    ...(principal === undefined ? {} : { principal }),
    ...(authentication === undefined ? {} : { authentication }),
    ...(authorization === undefined ? {} : { authorization }),
    acls,
  };
}
