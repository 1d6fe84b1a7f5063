/**
 * `meshrag render --stack <name> [--out <dir>]`: every Kubernetes object of a stack as YAML,
 * offline and deterministic (the same stack gives byte-identical output on every machine).
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { type RenderedObject, renderStack } from '../../constructs/render/render-stack.js';
import { objectToYaml, toYaml } from '../../constructs/render/to-yaml.js';
import { getStack, stackNames } from '../../stacks/stack-registry.js';

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

/** Lists the files of the last render in its folder, so the next one can replace them. */
export const RENDER_INDEX_FILE = '.meshrag-render';

/**
 * Writes the files into `dir`, replacing an earlier render there (its files are listed in
 * {@link RENDER_INDEX_FILE}) so no object a stack dropped lingers. A folder holding anything
 * else is refused rather than mixed with.
 */
export async function writeRenderFiles(
  dir: string,
  files: ReadonlyMap<string, string>,
): Promise<void> {
  const existing = await readdir(dir).catch(() => [] as string[]);
  if (existing.length > 0) {
    const index = await readFile(join(dir, RENDER_INDEX_FILE), 'utf8').catch(() => undefined);
    if (index === undefined) {
      throw new Error(
        `${dir} is not empty and holds no earlier render; choose an empty or new folder`,
      );
    }
    // The index is a file anyone can edit: delete only what lies inside the folder and looks
    // like a file this command writes, and check every entry before deleting any.
    const listed = index.split('\n').filter((line) => line.length > 0);
    const unsafe = listed.filter((path) => !isRenderedPath(dir, path));
    if (unsafe.length > 0) {
      throw new Error(
        `${join(dir, RENDER_INDEX_FILE)} lists ${unsafe.map((p) => JSON.stringify(p)).join(', ')}, ` +
          'which is not a file render writes inside the folder; nothing was deleted',
      );
    }
    for (const path of listed) {
      await rm(join(dir, path), { force: true });
    }
  }
  for (const [path, content] of files) {
    const target = join(dir, path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content);
  }
  await writeFile(join(dir, RENDER_INDEX_FILE), [...files.keys()].map((p) => `${p}\n`).join(''));
}

/** A path render writes: `<folder>/<file>.yaml`, relative, and inside `dir` once resolved. */
function isRenderedPath(dir: string, path: string): boolean {
  if (isAbsolute(path) || !/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+\.yaml$/.test(path)) return false;
  const inside = relative(resolve(dir), resolve(dir, path));
  return inside !== '' && !inside.startsWith('..') && !isAbsolute(inside);
}

export function registerRenderCommand(program: Command): void {
  program
    .command('render')
    .description('write every Kubernetes object of a stack as YAML (offline, deterministic)')
    .addOption(
      new Option('--stack <name>', 'the stack to render').choices(stackNames).makeOptionMandatory(),
    )
    .option(
      '--out <dir>',
      'write one file per object under this folder (new, empty, or an earlier render) instead of stdout',
    )
    .action(async (options: { stack: string; out?: string }) => {
      try {
        const { objects } = renderStack(getStack(options.stack));
        if (options.out === undefined) {
          process.stdout.write(toYaml(objects));
          return;
        }
        const files = renderFiles(objects);
        await writeRenderFiles(options.out, files);
        process.stderr.write(
          `meshrag: wrote ${files.size} objects of stack ${options.stack} to ${options.out}\n`,
        );
      } catch (error) {
        process.stderr.write(`meshrag: error: ${(error as Error).message}\n`);
        process.exitCode = 1;
      }
    });
}
