import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { graphStack, readManifests } from '../../../../cli/commands/graph.js';
import { renderFiles } from '../../../../cli/commands/render.js';
import { renderStack } from '../../../../constructs/render/render-stack.js';
import { toYaml } from '../../../../constructs/render/to-yaml.js';
import { getStack } from '../../../../stacks/stack-registry.js';

describe('meshrag graph', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('draws the prod stack as SVG, with edges equal to the grants', async () => {
    const { diff, output, report } = await graphStack('prod', 'svg');
    expect(diff).toEqual({ missing: [], extra: [] });
    expect(report.edges.length).toBeGreaterThan(0);
    expect(output).toMatch(/<svg /);
  });

  it('analyses manifests read back from a YAML file, with the same result', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'meshrag-graph-'));
    dirs.push(dir);
    const file = join(dir, 'prod.yaml');
    await writeFile(file, toYaml(renderStack(getStack('prod')).objects));
    const fromFile = await graphStack('prod', 'json', await readManifests(file));
    const rendered = await graphStack('prod', 'json');
    expect(fromFile.output).toBe(rendered.output);
    expect((JSON.parse(fromFile.output) as { edges: unknown[] }).edges).toHaveLength(
      rendered.report.edges.length,
    );
  });

  it('analyses a `meshrag render --out` folder (one file per object) with the same result', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'meshrag-graph-'));
    dirs.push(dir);
    for (const [path, content] of renderFiles(renderStack(getStack('prod')).objects)) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), content);
    }
    const fromFolder = await graphStack('prod', 'mermaid', await readManifests(dir));
    expect(fromFolder.output).toBe((await graphStack('prod', 'mermaid')).output);
    expect(fromFolder.diff).toEqual({ missing: [], extra: [] });
  });

  it('fails when the manifests read back are broken: the diff names the extra edge', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'meshrag-graph-'));
    dirs.push(dir);
    const file = join(dir, 'prod.yaml');
    const objects = renderStack(getStack('prod')).objects.filter(
      (o) => !(o.kind === 'AuthorizationPolicy' && o.metadata.namespace === 'meshrag'),
    );
    await writeFile(file, toYaml(objects));
    const { diff } = await graphStack('prod', 'json', await readManifests(file));
    expect(diff.extra.length).toBeGreaterThan(0);
  });
});
