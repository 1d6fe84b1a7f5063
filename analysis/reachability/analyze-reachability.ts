/**
 * Who can reach what, from rendered manifests only. A mesh edge exists when the network layer
 * (NetworkPolicies, egress of the source and ingress of the target) and the mesh layer
 * (PeerAuthentication, then AuthorizationPolicy) both let it through; a Kafka edge when the
 * workload holding a KafkaUser's Secret can open a connection to an authenticating broker
 * listener and the user's ACLs allow the operation.
 */
import {
  applicablePolicies,
  authorizationAllows,
  effectiveMtlsMode,
  type MeshRequest,
} from './istio-evaluator.js';
import { isPathTemplate, istioPathMatch } from './istio-string-match.js';
import { KAFKA_OPERATIONS, kafkaAclAllows, openForNoAcl } from './kafka-acl-evaluator.js';
import { type KnownLabels, matchesLabelSelector } from './label-selector.js';
import {
  asArray,
  asLabels,
  asRecord,
  asStringArray,
  type Labels,
  type ManifestObject,
} from './manifest-object.js';
import { type NetworkEndpoint, networkAllows } from './network-policy-evaluator.js';
import {
  ANY,
  type EdgeSource,
  identitySource,
  type ReachabilityEdge,
  sortEdges,
  sourceKey,
  UNKNOWN_SOURCE,
} from './reachability-edge.js';
import {
  buildReachabilityModel,
  FROM_PRINCIPAL_ANNOTATION,
  type KafkaCluster,
  type KafkaResourceType,
  labelsOfNamespace,
  NAMESPACE_NAME_LABEL,
  principalNamespace,
  type ReachabilityModel,
  type Workload,
  type WorkloadPort,
} from './reachability-model.js';

export interface ReachabilityReport {
  readonly model: ReachabilityModel;
  /** Every edge between different identities, sorted by key. */
  readonly edges: readonly ReachabilityEdge[];
  /**
   * Edges of a workload to itself, and among the pods of one Strimzi cluster: they are how the
   * component works, not access that anyone grants.
   */
  readonly internalEdges: readonly ReachabilityEdge[];
  /** Where the analysis could not be exact, and which way it leaned (towards more reach). */
  readonly notes: readonly string[];
}

/** Placeholder namespace and service account of the `unknown` source. */
export const UNLISTED = 'unlisted';

/** A concrete peer the analysis sends traffic from; several may report as one edge source. */
interface AnalysisSource {
  readonly edgeSource: EdgeSource;
  readonly network: NetworkEndpoint;
  /** The principal its sidecar presents; null when it has no sidecar. */
  readonly meshPrincipal: string | null;
  readonly workload?: Workload;
}

/** Analyses parsed manifest objects. */
export function analyzeReachability(objects: readonly ManifestObject[]): ReachabilityReport {
  return analyzeModel(buildReachabilityModel(objects));
}

const STANDARD_METHODS = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'OPTIONS',
  'CONNECT',
  'TRACE',
];
/** Witness values for "a method/path no policy names". The NUL byte keeps them from matching names. */
const OTHER_METHOD = '\u0000OTHER';
const OTHER_PATH = '/\u0000other';

/** Analyses a model. */
export function analyzeModel(model: ReachabilityModel): ReachabilityReport {
  const notes = new Set<string>(model.warnings);
  const sources = analysisSources(model);
  // (edge source, target workload, port) -> allowed method/path witnesses (or 'tcp').
  const httpAllowed = new Map<
    string,
    {
      source: EdgeSource;
      workload: Workload;
      port: WorkloadPort;
      allowed: Set<string>;
      witnesses: Witnesses;
      internal: boolean;
    }
  >();
  const tcpEdges: { edge: ReachabilityEdge; internal: boolean }[] = [];

  for (const target of model.workloads) {
    const policies = target.meshed
      ? applicablePolicies(model.authorizationPolicies, target, notes)
      : [];
    const witnesses = httpWitnesses(policies);
    for (const port of target.ports) {
      const http = port.protocol !== 'tcp';
      const mode = target.meshed
        ? effectiveMtlsMode(model.peerAuthentications, target, port.port, notes)
        : null;
      for (const source of sources) {
        const reachable = networkAllows(
          model.networkPolicies,
          source.network,
          { workload: target, port, namespaceLabels: labelsOfNamespace(model, target.namespace) },
          notes,
        );
        if (!reachable) continue;
        const internal =
          source.workload !== undefined &&
          (source.workload.principal === target.principal ||
            (source.workload.kafkaCluster !== undefined &&
              source.workload.kafkaCluster === target.kafkaCluster &&
              source.workload.namespace === target.namespace));
        const ref = { namespace: target.namespace, workload: target.name, port: port.port };
        if (mode === null) {
          // No sidecar on the target: the network decides alone.
          tcpEdges.push({
            edge: http
              ? { kind: 'http', source: source.edgeSource, target: ref, method: ANY, path: ANY }
              : { kind: 'tcp', source: source.edgeSource, target: ref },
            internal,
          });
          continue;
        }
        if (source.meshPrincipal === null && mode === 'STRICT') continue;
        const principal =
          source.meshPrincipal !== null && mode !== 'DISABLE' ? source.meshPrincipal : null;
        const base = {
          principal,
          namespace: principal === null ? null : principalNamespace(principal),
          port: port.port,
        };
        if (!http) {
          if (authorizationAllows(policies, { ...base, http: null }, notes)) {
            tcpEdges.push({
              edge: { kind: 'tcp', source: source.edgeSource, target: ref },
              internal,
            });
          }
          continue;
        }
        const key = `${sourceKey(source.edgeSource)}|${target.namespace}/${target.name}:${port.port}`;
        const entry = httpAllowed.get(key) ?? {
          source: source.edgeSource,
          workload: target,
          port,
          allowed: new Set<string>(),
          witnesses,
          internal,
        };
        httpAllowed.set(key, entry);
        for (const method of witnesses.methods) {
          for (const path of witnesses.paths) {
            const request: MeshRequest = { ...base, http: { method, path: path.value } };
            if (authorizationAllows(policies, request, notes))
              entry.allowed.add(`${method} ${path.value}`);
          }
        }
      }
    }
  }

  const edges: ReachabilityEdge[] = [];
  const internalEdges: ReachabilityEdge[] = [];
  for (const { edge, internal } of tcpEdges) (internal ? internalEdges : edges).push(edge);
  for (const entry of httpAllowed.values()) {
    const collapsed = collapseHttp(
      entry.source,
      entry.workload,
      entry.port,
      entry.allowed,
      entry.witnesses,
    );
    (entry.internal ? internalEdges : edges).push(...collapsed);
  }
  edges.push(...kafkaEdges(model, sources, notes));

  return {
    model,
    edges: sortEdges(edges),
    internalEdges: sortEdges(internalEdges),
    notes: [...notes].sort(),
  };
}

/** Every workload, every principal that policies name but no workload carries, and `unknown`. */
function analysisSources(model: ReachabilityModel): AnalysisSource[] {
  const sources: AnalysisSource[] = model.workloads.map((workload) => ({
    edgeSource: identitySource(workload.principal),
    network: {
      namespace: workload.namespace,
      namespaceLabels: labelsOfNamespace(model, workload.namespace),
      podLabels: workload.labels,
    },
    meshPrincipal: workload.meshed ? workload.principal : null,
    workload,
  }));
  for (const principal of model.externalPrincipals) {
    const namespace = principalNamespace(principal);
    const known = namespace !== null && model.namespaces.has(namespace);
    const namespaceLabels = labelsOfNamespace(model, namespace ?? UNLISTED);
    // A workload we cannot see: it is taken to carry the pod labels that NetworkPolicy peers
    // in its namespace ask for of it (one candidate per peer), or none at all.
    const candidates = peerPodLabels(model, namespaceLabels, principal);
    for (const podLabels of candidates.length > 0 ? candidates : [{}]) {
      sources.push({
        edgeSource: identitySource(principal),
        network: { namespace: known ? namespace : null, namespaceLabels, podLabels },
        meshPrincipal: principal,
      });
    }
  }
  const unknownPlaces: {
    namespace: string | null;
    labels: KnownLabels;
    principalNamespace: string;
  }[] = [
    { namespace: null, labels: { [NAMESPACE_NAME_LABEL]: UNLISTED }, principalNamespace: UNLISTED },
    ...[...model.namespaces.values()].map((ns) => ({
      namespace: ns.name,
      labels: ns.labels,
      principalNamespace: ns.name,
    })),
  ];
  for (const place of unknownPlaces) {
    for (const sidecar of [true, false]) {
      sources.push({
        edgeSource: UNKNOWN_SOURCE,
        // An unnamed pod: labels that no non-empty selector asks for.
        network: { namespace: place.namespace, namespaceLabels: place.labels, podLabels: {} },
        meshPrincipal: sidecar
          ? `cluster.local/ns/${place.principalNamespace}/sa/${UNLISTED}`
          : null,
      });
    }
  }
  return sources;
}

/**
 * The `matchLabels` of every NetworkPolicy peer whose namespaceSelector selects a namespace
 * with these labels: what the manifests expect pods of this principal there to carry. A policy
 * whose {@link FROM_PRINCIPAL_ANNOTATION} names another principal speaks of that one's pods, so
 * two services of one namespace keep their own labels; a policy without it may mean anyone's.
 */
function peerPodLabels(
  model: ReachabilityModel,
  namespaceLabels: Labels,
  principal: string,
): Labels[] {
  const found = new Map<string, Labels>();
  for (const { object, synthesisedFor } of model.networkPolicies) {
    // Only what the manifests say; an operator's policy says nothing about this identity.
    if (synthesisedFor !== undefined) continue;
    const owner = asLabels(object.metadata.annotations)[FROM_PRINCIPAL_ANNOTATION];
    if (owner !== undefined && owner !== principal) continue;
    const spec = asRecord(object.spec);
    const rules = [
      ...asArray(spec.ingress).map((r) => asRecord(r).from),
      ...asArray(spec.egress).map((r) => asRecord(r).to),
    ];
    for (const peer of rules.flatMap((peers) => asArray(peers)).map(asRecord)) {
      if (peer.namespaceSelector === undefined || peer.podSelector === undefined) continue;
      if (!matchesLabelSelector(peer.namespaceSelector, namespaceLabels)) continue;
      const labels = asLabels(asRecord(peer.podSelector).matchLabels);
      found.set(JSON.stringify(Object.entries(labels).sort()), labels);
    }
  }
  return [...found.values()];
}

interface PathWitness {
  /** The concrete path sent. */
  readonly value: string;
  /** How an edge shows it: the path, the pattern it stands for, or `*`. */
  readonly display: string;
  /** For a pattern witness: the pattern, to fold the exact paths it covers. */
  readonly pattern?: string;
}

interface Witnesses {
  readonly methods: readonly string[];
  readonly paths: readonly PathWitness[];
}

/**
 * The requests worth sending to a workload: every method and path its policies name, one path
 * under each prefix/suffix pattern, and one method and one path that no policy names.
 */
function httpWitnesses(policies: readonly ManifestObject[]): Witnesses {
  const methods = new Set(STANDARD_METHODS);
  const paths = new Map<string, PathWitness>();
  for (const policy of policies) {
    for (const rule of asArray(asRecord(policy.spec).rules)) {
      for (const to of asArray(asRecord(rule).to)) {
        const operation = asRecord(asRecord(to).operation);
        for (const method of [
          ...asStringArray(operation.methods),
          ...asStringArray(operation.notMethods),
        ]) {
          if (!method.includes('*')) methods.add(method);
        }
        for (const path of [
          ...asStringArray(operation.paths),
          ...asStringArray(operation.notPaths),
        ]) {
          if (path === '*') continue;
          if (isPathTemplate(path)) {
            // One concrete path the template matches: a NUL-led segment no name can equal.
            const value = path.replaceAll('{**}', '\u0000/\u0000').replaceAll('{*}', '\u0000');
            paths.set(path, { value, display: path, pattern: path });
          } else if (path.endsWith('*')) {
            paths.set(path, { value: `${path.slice(0, -1)}\u0000`, display: path, pattern: path });
          } else if (path.startsWith('*')) {
            paths.set(path, { value: `/\u0000${path.slice(1)}`, display: path, pattern: path });
          } else {
            paths.set(path, { value: path, display: path });
          }
        }
      }
    }
  }
  const sortedPaths = [...paths.values()].sort((a, b) => (a.display < b.display ? -1 : 1));
  return {
    methods: [...methods, OTHER_METHOD],
    paths: [...sortedPaths, { value: OTHER_PATH, display: ANY }],
  };
}

/**
 * Turns allowed (method, path) witnesses into edges: one `* *` edge when everything passes,
 * else `*` for a path every method reaches, else one edge per method; exact paths that an
 * allowed pattern of the same method covers are folded into the pattern.
 */
function collapseHttp(
  source: EdgeSource,
  workload: Workload,
  port: WorkloadPort,
  allowed: ReadonlySet<string>,
  witnesses: Witnesses,
): ReachabilityEdge[] {
  if (allowed.size === 0) return [];
  const target = { namespace: workload.namespace, workload: workload.name, port: port.port };
  const edge = (method: string, path: string): ReachabilityEdge => ({
    kind: 'http',
    source,
    target,
    method,
    path,
  });
  const passes = (method: string, path: PathWitness): boolean =>
    allowed.has(`${method} ${path.value}`);
  if (witnesses.methods.every((m) => witnesses.paths.every((p) => passes(m, p))))
    return [edge(ANY, ANY)];
  const covered = (method: string, path: PathWitness): boolean =>
    path.pattern === undefined &&
    witnesses.paths.some(
      (other) =>
        other.pattern !== undefined &&
        passes(method, other) &&
        istioPathMatch(other.pattern, path.value),
    );
  const edges: ReachabilityEdge[] = [];
  for (const path of witnesses.paths) {
    const methods = witnesses.methods.filter((m) => passes(m, path) && !covered(m, path));
    if (methods.length === 0) continue;
    if (methods.length === witnesses.methods.length) {
      edges.push(edge(ANY, path.display));
      continue;
    }
    for (const method of methods)
      edges.push(edge(method === OTHER_METHOD ? ANY : method, path.display));
  }
  return edges;
}

/**
 * Kafka edges: the workloads that mount a KafkaUser's Secret act as that user; they need a
 * connection to a broker listener that authenticates the user's way, then the ACLs decide.
 * Anyone reaching an unauthenticated listener acts as ANONYMOUS, who passes only when the
 * cluster authorizes nothing.
 */
function kafkaEdges(
  model: ReachabilityModel,
  sources: readonly AnalysisSource[],
  notes: Set<string>,
): ReachabilityEdge[] {
  const edges: ReachabilityEdge[] = [];
  for (const cluster of model.kafkaClusters) {
    const clusterRef = `${cluster.namespace}/${cluster.name}`;
    const resources = kafkaResources(model, cluster);
    const brokers = model.workloads.filter(
      (w) => w.namespace === cluster.namespace && cluster.brokerWorkloads.includes(w.name),
    );
    const reachesListener = (
      source: AnalysisSource,
      authenticated: (authentication: string | undefined) => boolean,
    ): boolean =>
      cluster.listeners.some(
        (listener) =>
          authenticated(listener.authentication) &&
          brokers.some((broker) => {
            const port = broker.ports.find((p) => p.port === listener.port);
            return (
              port !== undefined &&
              networkAllows(
                model.networkPolicies,
                source.network,
                {
                  workload: broker,
                  port,
                  namespaceLabels: labelsOfNamespace(model, broker.namespace),
                },
                notes,
              )
            );
          }),
      );

    const clusterAcls = model.kafkaUsers
      .filter((u) => u.cluster === cluster.name && u.namespace === cluster.userNamespace)
      .flatMap((u) => u.acls);
    for (const user of model.kafkaUsers.filter(
      (u) => u.cluster === cluster.name && u.namespace === cluster.userNamespace,
    )) {
      const mounting = sources.filter(
        (s) =>
          s.workload !== undefined &&
          s.workload.namespace === user.namespace &&
          s.workload.secrets.has(user.name),
      );
      // No rendered workload mounts it: the principal the user names holds a copy of the Secret.
      const holders =
        mounting.length > 0 || user.principal === undefined
          ? mounting
          : sources.filter(
              (s) =>
                s.workload === undefined &&
                s.edgeSource.kind === 'identity' &&
                s.edgeSource.principal === user.principal,
            );
      if (holders.length === 0) {
        notes.add(
          `KafkaUser ${user.namespace}/${user.name}: no workload mounts its Secret; its ACLs reach no edge`,
        );
        continue;
      }
      const mechanism = user.authentication === 'tls-external' ? 'tls' : user.authentication;
      for (const holder of holders) {
        if (!reachesListener(holder, (auth) => auth !== undefined && auth === mechanism)) {
          notes.add(
            `KafkaUser ${user.namespace}/${user.name}: ${holder.workload?.name ?? user.principal} cannot open a connection to a '${mechanism}' listener; ACLs unused`,
          );
          continue;
        }
        for (const { type, name, display } of resources) {
          for (const operation of KAFKA_OPERATIONS[type]) {
            if (kafkaAclAllows(cluster, user, type, name, operation, notes, clusterAcls)) {
              edges.push({
                kind: 'kafka',
                source: holder.edgeSource,
                cluster: clusterRef,
                resourceType: type,
                resource: display,
                operation,
              });
            }
          }
        }
      }
    }

    // Anyone who reaches an unauthenticated listener acts as ANONYMOUS: it passes where the
    // cluster authorizes nothing, or where no ACL names the resource and Kafka is told to allow that.
    for (const source of sources) {
      if (!reachesListener(source, (auth) => auth === undefined)) continue;
      for (const { type, name, display } of resources) {
        const open =
          cluster.authorization === undefined || openForNoAcl(cluster, clusterAcls, type, name);
        if (!open) continue;
        for (const operation of KAFKA_OPERATIONS[type]) {
          edges.push({
            kind: 'kafka',
            source: source.edgeSource,
            cluster: clusterRef,
            resourceType: type,
            resource: display,
            operation,
          });
        }
      }
    }
  }
  return edges;
}

/** Topics the cluster declares, names the ACLs use, one name under each prefix, and one unlisted name. */
function kafkaResources(
  model: ReachabilityModel,
  cluster: KafkaCluster,
): { type: KafkaResourceType; name: string; display: string }[] {
  const resources = new Map<string, { type: KafkaResourceType; name: string; display: string }>();
  const add = (type: KafkaResourceType, name: string, display: string): void => {
    resources.set(`${type}:${display}`, { type, name, display });
  };
  for (const topic of model.kafkaTopics) {
    if (topic.cluster === cluster.name && topic.namespace === cluster.topicNamespace)
      add('topic', topic.name, topic.name);
  }
  for (const user of model.kafkaUsers) {
    if (user.cluster !== cluster.name || user.namespace !== cluster.userNamespace) continue;
    for (const acl of user.acls) {
      if (acl.resourceType === 'cluster') continue;
      if (acl.patternType === 'prefix') add(acl.resourceType, `${acl.name}\u0000`, `${acl.name}*`);
      else if (acl.name !== '*') add(acl.resourceType, acl.name, acl.name);
    }
  }
  for (const type of ['topic', 'group', 'transactionalId'] as const)
    add(type, '\u0000unlisted', ANY);
  add('cluster', 'kafka-cluster', 'kafka-cluster');
  return [...resources.values()];
}
