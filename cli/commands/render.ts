/**
 * `meshrag render --stack <name> [--out <dir>]`: every Kubernetes object of a stack as YAML,
 * offline and deterministic (the same stack gives byte-identical output on every machine).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type Command, Option } from 'commander';
import { type RenderedObject, renderStack } from '../../components/render/render-stack.js';
import { objectToYaml, toYaml } from '../../components/render/to-yaml.js';
import { stackNames } from '../../stacks/stack-registry.js';

/** Folder for objects without a namespace (Namespaces themselves). */
export const CLUSTER_SCOPED_DIR = '_cluster';

/**
 * One file per object: `<namespace>/<kind>-<name>.yaml` (cluster-scoped objects under
 * `_cluster/`), in render order.
 */
export function renderFiles(objects: readonly RenderedObject[]): Map<string, string> {
  const files = new Map<string, string>();
  for (const o of objects) {
    const path = join(
      o.metadata.namespace ?? CLUSTER_SCOPED_DIR,
      `${o.kind.toLowerCase()}-${o.metadata.name}.yaml`,
    );
    if (files.has(path)) throw new Error(`two objects render to ${path}`);
    files.set(path, objectToYaml(o));
  }
  return files;
}

export function registerRenderCommand(program: Command): void {
  program
    .command('render')
    .description('write every Kubernetes object of a stack as YAML (offline, deterministic)')
    .addOption(
      new Option('--stack <name>', 'the stack to render').choices(stackNames).makeOptionMandatory(),
    )
    .option('--out <dir>', 'write one file per object under this folder instead of stdout')
    .action(async (options: { stack: string; out?: string }) => {
      try {
        const { objects } = renderStack(options.stack);
        if (options.out === undefined) {
          process.stdout.write(toYaml(objects));
          return;
        }
        const files = renderFiles(objects);
        for (const [path, content] of files) {
          const target = join(options.out, path);
          await mkdir(dirname(target), { recursive: true });
          await writeFile(target, content);
        }
        process.stderr.write(
          `meshrag: wrote ${files.size} objects of stack ${options.stack} to ${options.out}\n`,
        );
      } catch (error) {
        process.stderr.write(`meshrag: error: ${(error as Error).message}\n`);
        process.exitCode = 1;
      }
    });
}
