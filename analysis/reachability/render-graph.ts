/**
 * Draws reachability edges: JSON (the edges as data), Mermaid (text for Markdown) and SVG
 * (Graphviz DOT laid out and drawn by @viz-js/viz, the WebAssembly build of Graphviz).
 */
import { instance } from '@viz-js/viz';
import {
  ANY,
  portLabel,
  type ReachabilityEdge,
  sourceKey,
  targetKey,
} from './reachability-edge.js';
import type { Workload } from './reachability-model.js';

export type GraphFormat = 'json' | 'mermaid' | 'svg';
export const GRAPH_FORMATS: readonly GraphFormat[] = ['json', 'mermaid', 'svg'];

export interface GraphInput {
  /** Shown as the graph's title. */
  readonly title: string;
  readonly edges: readonly ReachabilityEdge[];
  /** Lets an identity be drawn as the one workload that carries it. */
  readonly workloads: readonly Pick<
    Workload,
    'namespace' | 'name' | 'principal' | 'kafkaCluster'
  >[];
  /** Included in JSON only. */
  readonly notes?: readonly string[];
}

const UNKNOWN_LABEL = 'unknown: any pod or principal not named';

interface GraphNode {
  readonly id: string;
  readonly label: string;
  readonly shape: 'identity' | 'workload' | 'kafka' | 'unknown';
}

interface GraphLink {
  readonly from: string;
  readonly to: string;
  readonly lines: readonly string[];
}

/** Renders the graph in one of the formats. */
export async function renderGraph(input: GraphInput, format: GraphFormat): Promise<string> {
  switch (format) {
    case 'json':
      return `${JSON.stringify({ title: input.title, edges: input.edges, notes: input.notes ?? [] }, null, 2)}\n`;
    case 'mermaid':
      return toMermaid(input);
    case 'svg': {
      const viz = await instance();
      return viz.renderString(toDot(input), { format: 'svg', engine: 'dot' });
    }
  }
}

/** Nodes and one link per (source, target) with every edge between them as a label line. */
export function graphLinks(input: GraphInput): { nodes: GraphNode[]; links: GraphLink[] } {
  const nodes = new Map<string, GraphNode>();
  const byPrincipal = new Map<string, string[]>();
  for (const w of input.workloads) {
    byPrincipal.set(w.principal, [
      ...(byPrincipal.get(w.principal) ?? []),
      `${w.namespace}/${w.name}`,
    ]);
  }
  const sourceNode = (edge: ReachabilityEdge): string => {
    if (edge.source.kind === 'unknown') {
      return 'unknown';
    }
    const carriers = byPrincipal.get(edge.source.principal) ?? [];
    const [only] = carriers;
    if (carriers.length === 1 && only !== undefined) {
      nodes.set(only, { id: only, label: only, shape: 'workload' });
      return only;
    }
    const id = sourceKey(edge.source);
    nodes.set(id, { id, label: id, shape: 'identity' });
    return id;
  };
  const targetNode = (edge: ReachabilityEdge): string => {
    if (edge.kind === 'kafka') {
      const id = targetKey(edge);
      nodes.set(id, { id, label: `Kafka ${edge.cluster} (ACLs)`, shape: 'kafka' });
      return id;
    }
    const id = `${edge.target.namespace}/${edge.target.workload}`;
    if (!nodes.has(id)) nodes.set(id, { id, label: id, shape: 'workload' });
    return id;
  };
  // Every workload and the unknown source are drawn, so what reaches nothing shows as alone.
  nodes.set('unknown', { id: 'unknown', label: UNKNOWN_LABEL, shape: 'unknown' });
  for (const w of input.workloads) {
    const id = `${w.namespace}/${w.name}`;
    nodes.set(id, { id, label: id, shape: 'workload' });
  }
  const links = new Map<string, { from: string; to: string; lines: Set<string> }>();
  for (const edge of input.edges) {
    const from = sourceNode(edge);
    const to = targetNode(edge);
    const key = `${from}\u0000${to}`;
    const link = links.get(key) ?? { from, to, lines: new Set<string>() };
    links.set(key, link);
    link.lines.add(edgeLabel(edge));
  }
  return {
    nodes: [...nodes.values()].sort((a, b) => a.id.localeCompare(b.id)),
    links: [...links.values()]
      .map((l) => ({ from: l.from, to: l.to, lines: mergeKafkaLines([...l.lines].sort()) }))
      .sort((a, b) => `${a.from} ${a.to}`.localeCompare(`${b.from} ${b.to}`)),
  };
}

function edgeLabel(edge: ReachabilityEdge): string {
  switch (edge.kind) {
    case 'http':
      return `:${portLabel(edge.target.port)} ${edge.method === ANY ? 'any method' : edge.method} ${edge.path === ANY ? 'any path' : edge.path}`;
    case 'tcp':
      return `:${portLabel(edge.target.port)} tcp`;
    case 'kafka':
      return `${edge.resourceType} ${edge.resource === ANY ? '(any unlisted)' : edge.resource}: ${edge.operation}`;
  }
}

/** `topic t: Read` + `topic t: Describe` → `topic t: Describe, Read`. */
function mergeKafkaLines(lines: readonly string[]): string[] {
  const merged = new Map<string, string[]>();
  const other: string[] = [];
  for (const line of lines) {
    const match = /^(topic|group|cluster|transactionalId) (.*): (\w+)$/.exec(line);
    if (match === null) {
      other.push(line);
      continue;
    }
    const head = `${match[1]} ${match[2]}`;
    merged.set(head, [...(merged.get(head) ?? []), match[3] ?? '']);
  }
  return [...other, ...[...merged.entries()].map(([head, ops]) => `${head}: ${ops.join(', ')}`)];
}

function toMermaid(input: GraphInput): string {
  const { nodes, links } = graphLinks(input);
  const ids = new Map(nodes.map((n, i) => [n.id, `n${i}`]));
  const mermaidText = (text: string): string => text.replaceAll('"', '#quot;');
  const shape = (node: GraphNode): string => {
    const label = `"${mermaidText(node.label)}"`;
    switch (node.shape) {
      case 'kafka':
        return `[(${label})]`;
      case 'unknown':
        return `{{${label}}}`;
      case 'identity':
        return `([${label}])`;
      case 'workload':
        return `[${label}]`;
    }
  };
  const lines = [`---`, `title: ${input.title}`, `---`, 'flowchart LR'];
  for (const node of nodes) lines.push(`  ${ids.get(node.id)}${shape(node)}`);
  for (const link of links) {
    lines.push(
      `  ${ids.get(link.from)} -->|"${mermaidText(link.lines.join('<br/>'))}"| ${ids.get(link.to)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Graphviz DOT for the graph; quoted ids and labels, so any name is safe. */
export function toDot(input: GraphInput): string {
  const { nodes, links } = graphLinks(input);
  const quote = (text: string): string =>
    `"${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
  const attributes: Record<GraphNode['shape'], string> = {
    workload: 'shape=box, style="rounded,filled", fillcolor="#e8f0fe"',
    identity: 'shape=ellipse, style=filled, fillcolor="#fef7e0"',
    kafka: 'shape=cylinder, style=filled, fillcolor="#e6f4ea"',
    unknown: 'shape=octagon, style=filled, fillcolor="#fce8e6"',
  };
  const lines = [
    'digraph reachability {',
    `  label=${quote(input.title)}; labelloc=t; fontname="Helvetica"; rankdir=LR; ranksep=1.2; nodesep=0.4;`,
    '  node [fontname="Helvetica", fontsize=11];',
    '  edge [fontname="Helvetica", fontsize=9];',
  ];
  // Workloads (and Kafka clusters) are boxed by namespace; identities outside the manifests
  // and the unknown source stand apart.
  const namespaceOf = (node: GraphNode): string | undefined =>
    node.shape === 'workload'
      ? node.id.split('/')[0]
      : node.shape === 'kafka'
        ? node.id.split(':')[1]?.split('/')[0]
        : undefined;
  const namespaces = [
    ...new Set(nodes.map(namespaceOf).filter((n): n is string => n !== undefined)),
  ].sort();
  const nodeLine = (node: GraphNode): string =>
    `${quote(node.id)} [label=${quote(node.label)}, ${attributes[node.shape]}];`;
  namespaces.forEach((namespace, index) => {
    lines.push(
      `  subgraph cluster_${index} {`,
      `    label=${quote(`namespace ${namespace}`)}; style="dashed"; color="#9aa0a6";`,
    );
    for (const node of nodes.filter((n) => namespaceOf(n) === namespace))
      lines.push(`    ${nodeLine(node)}`);
    lines.push('  }');
  });
  for (const node of nodes.filter((n) => namespaceOf(n) === undefined))
    lines.push(`  ${nodeLine(node)}`);
  for (const link of links) {
    // `\l` left-aligns each label line in Graphviz.
    const label = link.lines
      .map((l) => `${l.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}\\l`)
      .join('');
    lines.push(`  ${quote(link.from)} -> ${quote(link.to)} [label="${label}"];`);
  }
  if (links.length === 0) lines.push('  empty [label="no edges", shape=plaintext];');
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
