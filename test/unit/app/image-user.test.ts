import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NON_ROOT_UID } from '../../../constructs/common/pod-security.js';
import { renderStack } from '../../../constructs/render/render-stack.js';
import { prod } from '../../../stacks/prod.js';

/** Each stage of a Dockerfile (`FROM … AS name`) with its `USER` lines. */
function stageUsers(path: string): Map<string, string[]> {
  const stages = new Map<string, string[]>();
  let current = '';
  for (const line of readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8').split(
    '\n',
  )) {
    const from = /^FROM\s+\S+(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) {
      current = from[1] ?? '';
      stages.set(current, []);
    }
    const user = /^USER\s+(\S+)/.exec(line);
    if (user) stages.get(current)?.push(user[1] as string);
  }
  return stages;
}

describe('service images', () => {
  const uid = `${NON_ROOT_UID}:${NON_ROOT_UID}`;

  it.each([
    ['app/embedder/Dockerfile', ['runtime', 'runtime-cuda']],
    ['app/consumer/Dockerfile', ['runtime']],
  ])('%s runs every runtime stage as the pods’ runAsUser', (path, runtimes) => {
    const stages = stageUsers(path);
    for (const stage of runtimes)
      expect(stages.get(stage), `${path} stage ${stage}`).toEqual([uid]);
    // The default target (the last stage) is the CPU runtime.
    expect([...stages.keys()].at(-1)).toBe('runtime');
  });

  it('matches the uid the rendered pods run as', () => {
    const deployments = renderStack(prod).objects.filter((o) => o.kind === 'Deployment');
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(['consumer', 'embedder']);
    for (const d of deployments) {
      // biome-ignore lint/suspicious/noExplicitAny: rendered JSON
      const pod = (d as any).spec.template.spec;
      expect(pod.securityContext.runAsUser).toBe(NON_ROOT_UID);
      expect(pod.containers[0].securityContext.runAsUser).toBe(NON_ROOT_UID);
    }
  });
});
