/**
 * The reusable package, as another program gets it: `npm pack` (which builds dist/ through
 * `prepack`), the tarball unpacked as `node_modules/meshrag` of a fresh project whose other
 * packages are this repository's (linked, so nothing is downloaded), then that project imports
 * `meshrag/components`, `meshrag/constructs` and `meshrag/stacks` under Node and type-checks
 * against the published declarations.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'meshrag-pack-'));
const project = join(work, 'consumer');

const PROGRAM = `
import { IstioMesh, MeshragPlatform, ServiceImage, vendoredChartPath } from 'meshrag/components';
import { renderStack } from 'meshrag/constructs';
import { dev } from 'meshrag/stacks';

const rendered = renderStack({ ...dev, name: 'tenant' });
const result: { kinds: string[]; chart: string; classes: string[] } = {
  kinds: [...new Set(rendered.objects.map((o) => o.kind))],
  chart: vendoredChartPath('istio/base'),
  classes: [IstioMesh, MeshragPlatform, ServiceImage].map((c) => c.name),
};
console.log(JSON.stringify(result));
`;

describe('npm pack', () => {
  beforeAll(() => {
    execFileSync('npm', ['pack', '--pack-destination', work], { cwd: repo, stdio: 'pipe' });
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz')) as string;
    const installed = join(project, 'node_modules', 'meshrag');
    mkdirSync(installed, { recursive: true });
    execFileSync('tar', ['xzf', join(work, tarball), '-C', installed, '--strip-components=1']);
    for (const entry of readdirSync(join(repo, 'node_modules'))) {
      if (entry.startsWith('.') || entry === 'meshrag') continue;
      symlinkSync(join(repo, 'node_modules', entry), join(project, 'node_modules', entry));
    }
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'consumer', type: 'module' }),
    );
    writeFileSync(join(project, 'program.ts'), PROGRAM);
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2023',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          outDir: '.',
          skipLibCheck: true,
          types: ['node'],
        },
        files: ['program.ts'],
      }),
    );
  }, 300_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('ships built JavaScript, declarations and the vendored charts, and no TypeScript sources', () => {
    const files = execFileSync('find', ['.', '-type', 'f'], {
      cwd: join(project, 'node_modules', 'meshrag'),
      encoding: 'utf8',
    }).split('\n');
    expect(files).toContain('./dist/components/index.js');
    expect(files).toContain('./dist/components/index.d.ts');
    expect(files).toContain('./dist/constructs/index.d.ts');
    expect(files).toContain('./charts/strimzi-kafka-operator/Chart.yaml');
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  });

  it('imports the components, constructs and stacks from another program and type-checks it', () => {
    // One compile: type errors against the shipped declarations fail it, and it emits program.js.
    execFileSync(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', project], {
      stdio: 'pipe',
    });
    const out = execFileSync(process.execPath, [join(project, 'program.js')], {
      cwd: project,
      encoding: 'utf8',
    });
    const result = JSON.parse(out);
    expect(result.classes).toEqual(['IstioMesh', 'MeshragPlatform', 'ServiceImage']);
    expect(result.kinds).toContain('Kafka');
    expect(result.chart).toBe(join(project, 'node_modules', 'meshrag', 'charts', 'istio', 'base'));
  }, 300_000);
});
