import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { App } from 'cdk8s';
import { afterAll, describe, expect, it } from 'vitest';
import { formatReviewDiff } from '../../../../analysis/manifest-diff/format-review-diff.js';
import { MASK } from '../../../../analysis/manifest-diff/manifest-diff.js';
import { buildReviewDiff } from '../../../../analysis/manifest-diff/review-diff.js';
import {
  type ManifestObject,
  parseManifestYaml,
} from '../../../../analysis/reachability/manifest-object.js';
import { diffStack } from '../../../../cli/commands/diff.js';
import { MeshragStack } from '../../../../constructs/meshrag-app.js';
import { toYaml } from '../../../../constructs/render/to-yaml.js';
import { policyConfig } from '../../../../policy/policy.config.js';
import { getStack } from '../../../../stacks/stack-registry.js';
import { find, remove, stackObjects } from '../../../helpers/policy-fixtures.js';

const run = promisify(execFile);

function review(base: ManifestObject[], head: ManifestObject[]) {
  return buildReviewDiff({
    stack: 'dev',
    baseRef: 'origin/main',
    base,
    head,
    config: policyConfig,
  });
}

describe('meshrag diff', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('no change: an empty diff', () => {
    const r = review(stackObjects('dev'), stackObjects('dev'));
    expect(r.objects).toEqual({ added: [], removed: [], changed: [] });
    expect([r.edgesAdded, r.edgesRemoved, r.newViolations]).toEqual([[], [], []]);
    expect(formatReviewDiff(r, 'markdown')).toBe(
      '### Stack `dev` against `origin/main`\n_No changes._\n',
    );
  });

  it('a changed port: field paths by name with old → new', () => {
    const head = stackObjects('dev');
    find(head, 'Service', 'embedder').spec.ports[0].port = 9090;
    const r = review(stackObjects('dev'), head);
    expect(r.objects.changed).toEqual([
      {
        object: { apiVersion: 'v1', kind: 'Service', namespace: 'meshrag', name: 'embedder' },
        changes: [
          {
            path: 'spec.ports[name=http-embed].port',
            type: 'changed',
            old: '8080',
            new: '9090',
            masked: false,
          },
        ],
      },
    ]);
    expect(formatReviewDiff(r, 'markdown')).toContain(
      '`spec.ports[name=http-embed].port`: `8080` → `9090`',
    );
  });

  it('an added grant: the new objects and the new edge', () => {
    const app = new App({ outdir: '.' });
    const chart = new MeshragStack(app, 'dev', { config: getStack('dev') });
    chart.chroma.grantIndexWrite(chart.monitoring);
    const head = parseManifestYaml(toYaml(chart.toJson()));
    const r = review(stackObjects('dev'), head);
    expect(r.objects.added.map((o) => `${o.kind} ${o.name}`)).toEqual(
      expect.arrayContaining(['AuthorizationPolicy chroma-index-prometheus']),
    );
    expect(r.edgesAdded).toContain(
      'cluster.local/ns/monitoring/sa/prometheus -> meshrag/chroma:8000 http GET /api/v2/pre-flight-checks',
    );
    expect(r.edgesRemoved).toEqual([]);
    expect(formatReviewDiff(r, 'markdown')).toMatch(
      /#### Who can reach whom\n- ➕ `cluster.local\/ns\/monitoring\/sa\/prometheus -> meshrag\/chroma:8000/,
    );
  });

  it('a removed topic: listed as removed', () => {
    const r = review(
      stackObjects('dev'),
      remove(stackObjects('dev'), 'KafkaTopic', 'documents.failed'),
    );
    expect(r.objects.removed).toEqual([
      {
        apiVersion: 'kafka.strimzi.io/v1',
        kind: 'KafkaTopic',
        namespace: 'kafka',
        name: 'documents.failed',
      },
    ]);
    expect(formatReviewDiff(r, 'text')).toContain('Removed:\n  KafkaTopic kafka/documents.failed');
  });

  it('a secret change: the path shows, the values never do', () => {
    const secret = (password: string): ManifestObject => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'chroma-auth', namespace: 'meshrag' },
      stringData: { password },
    });
    const base = [...stackObjects('dev'), secret('old-hunter2')];
    const head = [...stackObjects('dev'), secret('new-hunter3')];
    find(head, 'Deployment', 'consumer').spec.template.spec.containers[0].env.push({
      name: 'CHROMA_TOKEN',
      value: 'tok-s3cr3t',
    });
    const r = review(base, head);
    const text = [
      formatReviewDiff(r, 'markdown'),
      formatReviewDiff(r, 'text'),
      JSON.stringify(r),
    ].join('\n');
    expect(text).toContain(
      `\`stringData.password\`: \`${MASK}\` → \`${MASK}\` (secret, value hidden)`,
    );
    expect(text).toContain('containers[name=consumer].env[name=CHROMA_TOKEN]');
    for (const value of ['hunter2', 'hunter3', 'tok-s3cr3t']) expect(text).not.toContain(value);
    // ... and the literal secret in env is a new violation.
    expect(r.newViolations.map((v) => v.rule)).toEqual(['workload-no-literal-secrets']);
  });

  it('renders the base from git (its own tree and code) and the head from the working tree', async () => {
    // A throwaway repository holding this checkout's committed tree, then one commit that
    // changes the dev stack: the diff must show exactly that change.
    const repo = await mkdtemp(join(tmpdir(), 'meshrag-diff-repo-'));
    dirs.push(repo);
    const git = (...args: string[]) =>
      run('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args]);
    await run('sh', ['-c', `git archive --format=tar HEAD | tar -x -C '${repo}'`]);
    await git('init', '-q');
    await git('add', '-A');
    await git('commit', '-qm', 'base');
    await symlink(resolve('node_modules'), join(repo, 'node_modules'), 'dir');
    const devFile = join(repo, 'stacks', 'dev.ts');
    await writeFile(
      devFile,
      (await readFile(devFile, 'utf8')).replace(
        "groupId: 'meshrag-ingest'",
        "groupId: 'meshrag-ingest-v2'",
      ),
    );
    await git('commit', '-qam', 'rename the consumer group');
    const head = await diffStack({
      stack: 'dev',
      base: 'HEAD~1',
      repoDir: repo,
      head: stackObjects('dev'),
    });
    // The base (HEAD~1) is this checkout's dev stack; the head given is too: no change.
    expect(head.objects).toEqual({ added: [], removed: [], changed: [] });
    const changed = await diffStack({
      stack: 'dev',
      base: 'HEAD~1',
      repoDir: repo,
      head: await renderAt(repo),
    });
    const paths = changed.objects.changed.flatMap((c) =>
      c.changes.map((f) => `${c.object.kind} ${c.object.name} ${f.path}: ${f.old} → ${f.new}`),
    );
    expect(paths).toContain(
      'KafkaUser consumer spec.authorization.acls[1].resource.name: meshrag-ingest → meshrag-ingest-v2',
    );
    expect(changed.edgesAdded).toContain(
      'cluster.local/ns/meshrag/sa/consumer -> kafka:kafka/meshrag group:meshrag-ingest-v2 Read',
    );
    expect(changed.edgesRemoved).toContain(
      'cluster.local/ns/meshrag/sa/consumer -> kafka:kafka/meshrag group:meshrag-ingest Read',
    );
    await expect(diffStack({ stack: 'dev', base: 'no-such-ref', repoDir: repo })).rejects.toThrow(
      /'no-such-ref' names no commit/,
    );
  }, 300_000);
});

/** The repo's working-tree render, through its own CLI (as the head side is in that tree). */
async function renderAt(repo: string): Promise<ManifestObject[]> {
  const { stdout } = await run(process.execPath, ['bin/meshrag.mjs', 'render', '--stack', 'dev'], {
    cwd: repo,
    maxBuffer: 64 << 20,
  });
  return parseManifestYaml(stdout);
}
