import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import {
  RENDER_INDEX_FILE,
  renderFiles,
  writeRenderFiles,
} from '../../../../cli/commands/render.js';
import { renderStack } from '../../../../constructs/render/render-stack.js';
import { toYaml } from '../../../../constructs/render/to-yaml.js';
import { getStack } from '../../../../stacks/stack-registry.js';

const run = promisify(execFile);
const bin = join(import.meta.dirname, '../../../../bin/meshrag.mjs');

describe('meshrag render', () => {
  it('lays out one file per object under its namespace', () => {
    const files = renderFiles(renderStack(getStack('dev')).objects);
    expect(files.get('_cluster/namespace-meshrag.yaml')).toContain('kind: Namespace');
    expect(files.get('istio-system/peerauthentication-default.yaml')).toContain('mode: STRICT');
    expect(files.get('kafka/kafka-meshrag.yaml')).toContain('kind: Kafka');
    expect([...files.keys()].every((p) => /^[a-z_-]+\/[a-z]+-[a-z0-9.-]+\.yaml$/.test(p))).toBe(
      true,
    );
  });

  it('replaces an earlier render in --out, dropping objects the stack no longer has', async () => {
    const out = await mkdtemp(join(tmpdir(), 'meshrag-render-'));
    try {
      await writeRenderFiles(
        out,
        new Map([
          ['a/old.yaml', 'x: 1\n'],
          ['a/kept.yaml', 'y: 1\n'],
        ]),
      );
      await writeRenderFiles(out, new Map([['a/kept.yaml', 'y: 2\n']]));
      expect((await readdir(out, { recursive: true })).sort()).toEqual([
        RENDER_INDEX_FILE,
        'a',
        'a/kept.yaml',
      ]);
      expect(await readFile(join(out, 'a/kept.yaml'), 'utf8')).toBe('y: 2\n');
      expect(await readFile(join(out, RENDER_INDEX_FILE), 'utf8')).toBe('a/kept.yaml\n');
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it('fails when the render index lists a path outside the folder, deleting nothing', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'meshrag-render-'));
    const out = join(parent, 'out');
    try {
      await writeRenderFiles(out, new Map([['a/kept.yaml', 'y: 1\n']]));
      await writeFile(join(parent, 'x'), 'not yours');
      await writeFile(join(parent, 'x.yaml'), 'not yours');
      for (const crafted of ['../x', '../x.yaml', 'a/../../x.yaml', '/etc/hostname']) {
        await writeFile(join(out, RENDER_INDEX_FILE), `a/kept.yaml\n${crafted}\n`);
        await expect(writeRenderFiles(out, new Map([['b/new.yaml', 'z: 1\n']]))).rejects.toThrow(
          /not a file render writes inside the folder; nothing was deleted/,
        );
      }
      expect(await readFile(join(parent, 'x'), 'utf8')).toBe('not yours');
      expect(await readFile(join(parent, 'x.yaml'), 'utf8')).toBe('not yours');
      expect(await readFile(join(out, 'a/kept.yaml'), 'utf8')).toBe('y: 1\n');
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });

  it('fails when --out holds files that are not an earlier render', async () => {
    const out = await mkdtemp(join(tmpdir(), 'meshrag-render-'));
    try {
      await writeFile(join(out, 'notes.txt'), 'mine');
      await expect(writeRenderFiles(out, new Map([['a.yaml', 'x: 1\n']]))).rejects.toThrow(
        /is not empty and holds no earlier render/,
      );
      expect(await readdir(out)).toEqual(['notes.txt']);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it('writes the stack to stdout, and the same objects to --out', async () => {
    const out = await mkdtemp(join(tmpdir(), 'meshrag-render-'));
    try {
      const { stdout } = await run(process.execPath, [bin, 'render', '--stack', 'prod']);
      expect(stdout).toBe(toYaml(renderStack(getStack('prod')).objects));
      await run(process.execPath, [bin, 'render', '--stack', 'prod', '--out', out]);
      const written = await readdir(out, { recursive: true });
      const yamlFiles = written.filter((f) => f.endsWith('.yaml')).sort();
      expect(written).toContain(RENDER_INDEX_FILE);
      expect(yamlFiles).toEqual(
        [...renderFiles(renderStack(getStack('prod')).objects).keys()].sort(),
      );
      const docs = parseAllDocuments(stdout).length;
      expect(yamlFiles).toHaveLength(docs);
      expect(await readFile(join(out, 'meshrag/deployment-embedder.yaml'), 'utf8')).toContain(
        'nvidia.com/gpu: 1',
      );
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }, 30_000);

  it('fails when the stack is unknown', async () => {
    await expect(run(process.execPath, [bin, 'render', '--stack', 'qa'])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('Allowed choices are dev, staging, prod'),
    });
  }, 30_000);
});
