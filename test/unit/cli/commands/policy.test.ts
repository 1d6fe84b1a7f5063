import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPolicy } from '../../../../cli/commands/policy.js';
import { renderFiles } from '../../../../cli/commands/render.js';
import { renderStack } from '../../../../constructs/render/render-stack.js';
import { policyReportJson } from '../../../../policy/format-policy-report.js';
import { ManifestParseError } from '../../../../policy/read-manifest-files.js';
import { getStack } from '../../../../stacks/stack-registry.js';

const run = promisify(execFile);

const PERMISSIVE_AND_LATEST = `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: relaxed
  namespace: shop
spec:
  mtls:
    mode: PERMISSIVE
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  ports:
    - port: 80
`;

/** Runs the real CLI; resolves with its exit code and output whatever the code. */
async function meshrag(
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('node', ['bin/meshrag.mjs', ...args]);
    return { code: 0, stdout, stderr };
  } catch (e) {
    const error = e as { code: number; stdout: string; stderr: string };
    return { code: error.code, stdout: error.stdout, stderr: error.stderr };
  }
}

describe('meshrag policy', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'meshrag-policy-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('checks a rendered stack: no violations, exemptions listed', async () => {
    const report = await runPolicy({ stack: 'staging' });
    expect(report.violations).toEqual([]);
    expect(report.exempted.length).toBeGreaterThan(0);
  });

  it('checks a `meshrag render --out` folder the same as the stack', async () => {
    const out = join(dir, 'render');
    for (const [path, content] of renderFiles(renderStack(getStack('prod')).objects)) {
      await mkdir(join(out, path, '..'), { recursive: true });
      await writeFile(join(out, path), content);
    }
    const fromFiles = await runPolicy({ paths: [out], stack: 'prod' });
    const fromStack = await runPolicy({ stack: 'prod' });
    expect(fromFiles.checked).toBe(fromStack.checked);
    expect(fromFiles.violations).toEqual(fromStack.violations);
  });

  it('fails when a multi-document file breaks rules, in the --json shape', async () => {
    const file = join(dir, 'shop.yaml');
    await writeFile(file, PERMISSIVE_AND_LATEST);
    const json = policyReportJson(await runPolicy({ paths: [file] })) as {
      violations: { rule: string; namespace: string | null }[];
      checked: number;
    };
    expect(json.checked).toBe(2);
    // An Istio policy in the files means a mesh, which then needs its mesh-wide STRICT baseline.
    expect(json.violations.map((v) => v.rule)).toEqual([
      'mesh-mtls-strict-meshwide',
      'mesh-no-permissive-mtls',
      'mesh-port-names',
    ]);
    expect(Object.keys(json.violations[0] ?? {})).toEqual([
      'rule',
      'severity',
      'kind',
      'namespace',
      'name',
      'message',
    ]);
  });

  it('fails when a file does not parse, naming the file and line', async () => {
    const file = join(dir, 'broken.yaml');
    await writeFile(
      file,
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\nkind: [unclosed\n',
    );
    const error = await runPolicy({ paths: [file] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ManifestParseError);
    expect((error as ManifestParseError).file).toBe(file);
    expect((error as ManifestParseError).line).toBeGreaterThanOrEqual(6);
  });

  it('exits 0 on a clean stack, 1 on a mandatory violation (--json), 2 on unparseable YAML', async () => {
    const bad = join(dir, 'cli-bad.yaml');
    const broken = join(dir, 'cli-broken.yaml');
    await writeFile(bad, PERMISSIVE_AND_LATEST);
    await writeFile(broken, 'a: b\n  c: [\n');
    const [clean, violating, unparseable] = await Promise.all([
      meshrag('policy', '--stack', 'dev'),
      meshrag('policy', bad, '--json'),
      meshrag('policy', broken),
    ]);
    expect(clean.code).toBe(0);
    expect(clean.stdout).toMatch(/stack dev: 66 objects checked, 0 mandatory .*, 0 exempted/);
    expect(violating.code).toBe(1);
    expect(JSON.parse(violating.stdout).violations).toHaveLength(3);
    expect(unparseable.code).toBe(2);
    expect(unparseable.stderr).toContain(`${broken}:1:4: Nested mappings`);
  }, 120_000);
});
