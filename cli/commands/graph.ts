/**
 * `meshrag graph --stack <name> [--format json|mermaid|svg] [--out <file>]`: who can reach what
 * in a stack, drawn. The stack is rendered, written to YAML exactly as `meshrag render` writes
 * it, parsed back and analysed: the analysis sees manifests only, never the constructs.
 */
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Command, Option } from 'commander';
import { renderArchitectureSvg } from '../../analysis/architecture/architecture-diagram.js';
import {
  analyzeReachability,
  type ReachabilityReport,
} from '../../analysis/reachability/analyze-reachability.js';
import { diffEdges, type EdgeDiff } from '../../analysis/reachability/diff-edges.js';
import { expectedEdgesFromGrants } from '../../analysis/reachability/expected-edges-from-grants.js';
import {
  type ManifestObject,
  parseManifestYaml,
} from '../../analysis/reachability/manifest-object.js';
import { edgeKey } from '../../analysis/reachability/reachability-edge.js';
import {
  GRAPH_FORMATS,
  type GraphFormat,
  renderGraph,
} from '../../analysis/reachability/render-graph.js';
import { renderStack } from '../../constructs/render/render-stack.js';
import { toYaml } from '../../constructs/render/to-yaml.js';
import { getStack, stackNames } from '../../stacks/stack-registry.js';

export interface StackGraph {
  readonly report: ReachabilityReport;
  /** Actual edges against the stack's declared grants. */
  readonly diff: EdgeDiff;
  readonly output: string;
}

/** Renders the stack, round-trips it through YAML, analyses it and draws the graph. */
export async function graphStack(
  stack: string,
  format: GraphFormat,
  manifests?: readonly ManifestObject[],
): Promise<StackGraph> {
  const { objects, grants } = renderStack(getStack(stack));
  const parsed = manifests ?? parseManifestYaml(toYaml(objects));
  const report = analyzeReachability(parsed);
  const diff = diffEdges(report.edges, expectedEdgesFromGrants(grants, report.model));
  const output = await renderGraph(
    {
      title: `meshrag ${stack}: who can reach what (from rendered manifests)`,
      edges: report.edges,
      workloads: report.model.workloads,
      notes: report.notes,
    },
    format,
  );
  return { report, diff, output };
}

/**
 * The stack's architecture as SVG: namespaces, workloads, Kafka, Chroma, GPU nodes, Istio and
 * the grants between them, from the rendered objects (round-tripped through YAML) and grants.
 */
export async function architectureOfStack(stack: string): Promise<string> {
  const { objects, grants } = renderStack(getStack(stack));
  return renderArchitectureSvg({
    title: `meshrag ${stack}: architecture (generated from the rendered stack and its grants)`,
    objects: parseManifestYaml(toYaml(objects)),
    grants,
  });
}

/** Reads manifests from a YAML file, or every `.yaml`/`.yml` file under a folder (as `meshrag render --out` writes them). */
export async function readManifests(path: string): Promise<ManifestObject[]> {
  if (!(await stat(path)).isDirectory()) return parseManifestYaml(await readFile(path, 'utf8'));
  const entries = await readdir(path, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .sort();
  const objects: ManifestObject[] = [];
  for (const file of files) objects.push(...parseManifestYaml(await readFile(file, 'utf8')));
  return objects;
}

export function registerGraphCommand(program: Command): void {
  program
    .command('graph')
    .description('analyse who can reach what in a stack (from its rendered manifests) and draw it')
    .addOption(
      new Option('--stack <name>', 'the stack to analyse')
        .choices(stackNames)
        .makeOptionMandatory(),
    )
    .addOption(
      new Option('--format <format>', 'output format').choices(GRAPH_FORMATS).default('svg'),
    )
    .option('--out <file>', 'write the graph to this file instead of stdout')
    .option(
      '--manifests <path>',
      'analyse these rendered manifests (a YAML file or a `meshrag render --out` folder) instead of rendering the stack',
    )
    .option('--check', 'exit 1 when the edges differ from the stack’s declared grants')
    .option(
      '--architecture',
      'draw the stack’s architecture (namespaces, workloads, Kafka, Istio, grants) as SVG instead',
    )
    .action(
      async (options: {
        stack: string;
        format: GraphFormat;
        out?: string;
        manifests?: string;
        check?: boolean;
        architecture?: boolean;
      }) => {
        try {
          if (options.architecture === true) {
            const svg = await architectureOfStack(options.stack);
            if (options.out === undefined) process.stdout.write(svg);
            else {
              await writeFile(options.out, svg);
              process.stderr.write(
                `meshrag: wrote the architecture of ${options.stack} to ${options.out}\n`,
              );
            }
            return;
          }
          const manifests =
            options.manifests === undefined ? undefined : await readManifests(options.manifests);
          const { report, diff, output } = await graphStack(
            options.stack,
            options.format,
            manifests,
          );
          if (options.out === undefined) process.stdout.write(output);
          else await writeFile(options.out, output);
          const matches = diff.missing.length === 0 && diff.extra.length === 0;
          const lines = [
            `meshrag: stack ${options.stack}: ${report.edges.length} edges, ${matches ? 'equal to the declared grants' : 'NOT equal to the declared grants'}`,
            ...diff.extra.map((e) => `  extra (reachable, not granted): ${edgeKey(e)}`),
            ...diff.missing.map((e) => `  missing (granted, not reachable): ${edgeKey(e)}`),
            ...report.notes.map((n) => `  note: ${n}`),
            ...(options.out === undefined
              ? []
              : [`meshrag: wrote ${options.format} to ${options.out}`]),
          ];
          process.stderr.write(`${lines.join('\n')}\n`);
          if (options.check === true && !matches) process.exitCode = 1;
        } catch (error) {
          process.stderr.write(`meshrag: error: ${(error as Error).message}\n`);
          process.exitCode = 1;
        }
      },
    );
}
