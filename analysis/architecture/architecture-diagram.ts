/**
 * The architecture of a rendered stack as a picture: namespaces (meshed or not), the workloads
 * and what runs them (GPU nodes, Strimzi node pools, Chroma's volume), the Kafka topics, Istio's
 * mesh-wide mTLS, the identities meshrag grants access to (producers, readers, Prometheus, KEDA),
 * and one arrow per grantee and target with what the grants allow. Everything comes from the
 * rendered objects and the grant records; unlike the reachability graph it says what the stack
 * *is*, not what the policies let through. Laid out by Graphviz (@viz-js/viz, as the
 * reachability SVG).
 */
import { instance } from '@viz-js/viz';
import type { GrantRecord } from '../../constructs/grants/grant-record.js';
import {
  asArray,
  asLabels,
  asRecord,
  asString,
  type ManifestObject,
} from '../reachability/manifest-object.js';

export interface ArchitectureInput {
  readonly title: string;
  readonly objects: readonly ManifestObject[];
  readonly grants: readonly GrantRecord[];
}

interface DiagramNode {
  readonly id: string;
  readonly namespace: string;
  readonly label: string;
  readonly style: string;
}

const STYLE = {
  workload: 'shape=box, style="rounded,filled", fillcolor="#e8f0fe"',
  gpu: 'shape=box, style="rounded,filled,bold", fillcolor="#fde7c9"',
  store: 'shape=cylinder, style=filled, fillcolor="#e6f4ea"',
  kafka: 'shape=box3d, style=filled, fillcolor="#e6f4ea"',
  external: 'shape=ellipse, style=filled, fillcolor="#fef7e0"',
  mesh: 'shape=component, style=filled, fillcolor="#f1e6fd"',
};

const quote = (text: string): string => `"${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;

/** Chroma's paths repeat the tenant and database: keep the part that says what is called. */
function shortPath(path: string): string {
  return path.replace(/^\/api\/v2\/tenants\/[^/]+\/databases\/[^/]+/, '…');
}

/** Graphviz DOT for the stack's architecture. */
export function architectureDot(input: ArchitectureInput): string {
  const nodes = new Map<string, DiagramNode>();
  const add = (node: DiagramNode): void => {
    if (!nodes.has(node.id)) nodes.set(node.id, node);
  };
  const meshed = new Map<string, boolean>();
  for (const o of input.objects.filter((o) => o.kind === 'Namespace')) {
    const labels = asLabels(o.metadata.labels);
    meshed.set(o.metadata.name, labels['istio-injection'] === 'enabled');
  }

  // Workloads: who runs as which ServiceAccount, so grantees resolve to them.
  const bySubject = new Map<string, string>();
  for (const o of input.objects.filter(
    (o) => o.kind === 'Deployment' || o.kind === 'StatefulSet',
  )) {
    const namespace = o.metadata.namespace ?? 'default';
    const spec = asRecord(o.spec);
    const pod = asRecord(asRecord(spec.template).spec);
    const containers = asArray(pod.containers).map(asRecord);
    const gpus = containers
      .map((c) => asRecord(asRecord(c.resources).limits)['nvidia.com/gpu'])
      .find((g) => g !== undefined);
    const nodeSelector = Object.entries(asLabels(pod.nodeSelector))
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    const claims = asArray(spec.volumeClaimTemplates).length;
    const replicas = typeof spec.replicas === 'number' ? `×${spec.replicas}` : 'autoscaled';
    const image = asString(containers[0]?.image)?.split('@')[0] ?? '';
    const lines = [
      `${o.metadata.name} (${o.kind}, ${replicas})`,
      image,
      ...(gpus === undefined
        ? []
        : [
            `on the GPU node pool: ${String(gpus)} nvidia.com/gpu each`,
            `(${nodeSelector}, tainted)`,
          ]),
      ...(claims > 0 ? ['persistent volume'] : []),
    ];
    const id = `${namespace}/${o.metadata.name}`;
    add({
      id,
      namespace,
      label: lines.join('\n'),
      style: gpus !== undefined ? STYLE.gpu : claims > 0 ? STYLE.store : STYLE.workload,
    });
    const sa = asString(pod.serviceAccountName) ?? 'default';
    bySubject.set(`cluster.local/ns/${namespace}/sa/${sa}`, id);
  }

  // Strimzi: one node per node pool, the operands, and the topics.
  for (const kafka of input.objects.filter((o) => o.kind === 'Kafka')) {
    const namespace = kafka.metadata.namespace ?? 'default';
    const name = kafka.metadata.name;
    const spec = asRecord(kafka.spec);
    const version = asString(asRecord(spec.kafka).version) ?? '';
    for (const pool of input.objects.filter(
      (o) =>
        o.kind === 'KafkaNodePool' && asLabels(o.metadata.labels)['strimzi.io/cluster'] === name,
    )) {
      const poolSpec = asRecord(pool.spec);
      const roles = asArray(poolSpec.roles).map(String).join('+');
      add({
        id: `${namespace}/${name}-${pool.metadata.name}`,
        namespace,
        label: `Kafka ${version} ${roles}s ×${String(poolSpec.replicas)}\n(Strimzi node pool ${pool.metadata.name}, KRaft${roles.includes('broker') ? ', mTLS listener + ACLs' : ''})`,
        style: STYLE.kafka,
      });
    }
    if (spec.entityOperator !== undefined)
      add({
        id: `${namespace}/${name}-entity-operator`,
        namespace,
        label: `${name}-entity-operator\n(Topic and User Operator)`,
        style: STYLE.workload,
      });
    if (spec.kafkaExporter !== undefined)
      add({
        id: `${namespace}/${name}-kafka-exporter`,
        namespace,
        label: `${name}-kafka-exporter\n(consumer lag metrics)`,
        style: STYLE.workload,
      });
    const topics = input.objects
      .filter(
        (o) =>
          o.kind === 'KafkaTopic' && asLabels(o.metadata.labels)['strimzi.io/cluster'] === name,
      )
      .map((o) => {
        const t = asRecord(o.spec);
        return `${asString(t.topicName) ?? o.metadata.name} (${String(t.partitions)}p ×${String(t.replicas)})`;
      });
    add({
      id: `kafka:${namespace}/${name}`,
      namespace,
      label: `topics of ${name}\n${topics.join('\n')}`,
      style: STYLE.store,
    });
  }

  const strict = input.objects.some(
    (o) =>
      o.kind === 'PeerAuthentication' &&
      asString(asRecord(asRecord(o.spec).mtls).mode) === 'STRICT' &&
      asRecord(o.spec).selector === undefined,
  );
  if (strict) {
    const root = input.objects.find(
      (o) => o.kind === 'PeerAuthentication' && asRecord(o.spec).selector === undefined,
    );
    add({
      id: 'istio',
      namespace: root?.metadata.namespace ?? 'istio-system',
      label: 'Istio (istiod + CNI)\nmesh-wide STRICT mTLS\nALLOW policies per grant',
      style: STYLE.mesh,
    });
  }

  // Grants: one arrow per grantee and target, labelled with what is allowed.
  const arrows = new Map<string, { from: string; to: string; lines: string[] }>();
  const grantee = (principal: string): string => {
    const known = bySubject.get(principal);
    if (known !== undefined) return known;
    const [, , namespace = '?', , sa = '?'] = principal.split('/');
    const id = `${namespace}/sa:${sa}`;
    add({ id, namespace, label: `${sa}\n(onboarded / external identity)`, style: STYLE.external });
    return id;
  };
  for (const grant of input.grants) {
    const from = grantee(grant.grantee);
    let to: string;
    let lines: string[];
    if (grant.kind === 'kafka') {
      const kafka = input.objects.find(
        (o) => o.kind === 'Kafka' && o.metadata.name === grant.cluster,
      );
      to = `kafka:${kafka?.metadata.namespace ?? '?'}/${grant.cluster}`;
      lines = [
        `${grant.operations.join('/')} ${grant.topic}`,
        ...(grant.group === undefined ? [] : [`group ${grant.group}`]),
      ];
    } else {
      to = `${grant.target.namespace}/${grant.target.workload}`;
      add({
        id: to,
        namespace: grant.target.namespace,
        label: grant.target.workload,
        style: STYLE.workload,
      });
      lines =
        grant.kind === 'tcp'
          ? [`tcp :${grant.target.port}`]
          : grant.operations.flatMap((op) =>
              op.methods.flatMap((m) => op.paths.map((path) => `${m} ${shortPath(path)}`)),
            );
    }
    const key = `${from}|${to}`;
    const arrow = arrows.get(key) ?? { from, to, lines: [] };
    for (const line of lines) if (!arrow.lines.includes(line)) arrow.lines.push(line);
    arrows.set(key, arrow);
  }

  const out = [
    'digraph architecture {',
    `  label=${quote(input.title)}; labelloc=t; fontname="Helvetica"; rankdir=LR; ranksep=1.4; nodesep=0.35; compound=true;`,
    '  node [fontname="Helvetica", fontsize=10];',
    '  edge [fontname="Helvetica", fontsize=8, color="#5f6368"];',
  ];
  const namespaces = [...new Set([...nodes.values()].map((n) => n.namespace))].sort();
  namespaces.forEach((namespace, index) => {
    const mesh = meshed.get(namespace);
    const note =
      mesh === undefined ? 'not rendered by meshrag' : mesh ? 'Istio sidecars' : 'out of the mesh';
    out.push(
      `  subgraph cluster_${index} {`,
      `    label=${quote(`namespace ${namespace} (${note})`)}; style="dashed"; color="#9aa0a6";`,
    );
    for (const node of [...nodes.values()]
      .filter((n) => n.namespace === namespace)
      .sort((a, b) => (a.id < b.id ? -1 : 1)))
      out.push(`    ${quote(node.id)} [label=${quote(node.label)}, ${node.style}];`);
    out.push('  }');
  });
  for (const arrow of [...arrows.values()].sort((a, b) =>
    `${a.from}|${a.to}` < `${b.from}|${b.to}` ? -1 : 1,
  )) {
    const shown =
      arrow.lines.length > 4
        ? [...arrow.lines.slice(0, 3), `+${arrow.lines.length - 3} more`]
        : arrow.lines;
    const label = shown
      .map((l) => `${l.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}\\l`)
      .join('');
    out.push(`  ${quote(arrow.from)} -> ${quote(arrow.to)} [label="${label}"];`);
  }
  out.push('}');
  return `${out.join('\n')}\n`;
}

/** The architecture as SVG. */
export async function renderArchitectureSvg(input: ArchitectureInput): Promise<string> {
  const viz = await instance();
  return viz.renderString(architectureDot(input), { format: 'svg', engine: 'dot' });
}
