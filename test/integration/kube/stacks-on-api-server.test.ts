/**
 * Every object of every stack against a real Kubernetes API server: the vendored charts' CRDs
 * first, then per stack the namespaces, a server-side dry run (what a Pulumi preview asks), a
 * real server-side apply and an empty `kubectl diff`. Stacks share the server one after the
 * other: each stack's namespaces are deleted (foreground, as Pulumi deletes) before the next.
 * Namespaces a stack writes into without owning (istio-system, made by the mesh install) are
 * created as the platform would.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { renderStack } from '../../../constructs/render/render-stack.js';
import type { KubeApiServer } from '../../../local/kube-apiserver/kube-api-server.js';
import { getStack, stackNames } from '../../../stacks/stack-registry.js';
import { CRD_FILES, type ManifestObject } from '../../helpers/manifest-schemas.js';
import {
  appliedLines,
  apply,
  applyDryRun,
  diff,
  kubectlOk,
  startTestKube,
} from './kube-fixture.js';

const crdNames = CRD_FILES.flatMap((file) =>
  parseAllDocuments(readFileSync(file, 'utf8'))
    .map((doc) => doc.toJS() as { kind?: string; metadata?: { name: string } } | null)
    .filter((o) => o?.kind === 'CustomResourceDefinition')
    .map((o) => o?.metadata?.name ?? ''),
).sort();

interface Owned {
  readonly metadata: { readonly name: string; readonly ownerReferences?: { name: string }[] };
}

async function replicaSetsOf(kube: KubeApiServer, namespace: string, deployment: string) {
  const { stdout } = await kubectlOk(kube, ['get', 'replicasets', '-n', namespace, '-o', 'json']);
  return (JSON.parse(stdout) as { items: Owned[] }).items.filter((rs) =>
    rs.metadata.ownerReferences?.some((o) => o.name === deployment),
  );
}

async function until<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('every stack on a real Kubernetes API server', { timeout: 300_000 }, () => {
  let kube: KubeApiServer;

  beforeAll(async () => {
    kube = await startTestKube();
  }, 600_000);
  afterAll(async () => {
    await kube?.stop();
  });

  it('installs and establishes every CRD of the vendored Strimzi and Istio charts', async () => {
    // Server-side: Istio's CRDs are too large for client-side apply's last-applied annotation.
    await kubectlOk(kube, [
      'apply',
      '--server-side',
      '--field-manager=meshrag-test',
      ...CRD_FILES.flatMap((f) => ['-f', f]),
    ]);
    await kubectlOk(kube, [
      'wait',
      '--for=condition=Established',
      '--timeout=120s',
      'customresourcedefinitions',
      '--all',
    ]);
    const { stdout } = await kubectlOk(kube, [
      'get',
      'customresourcedefinitions',
      '-o',
      'jsonpath={.items[*].metadata.name}',
    ]);
    expect(stdout.split(' ').sort()).toEqual(crdNames);
    expect(crdNames).toContain('kafkas.kafka.strimzi.io');
    expect(crdNames).toContain('authorizationpolicies.security.istio.io');
  });

  for (const name of stackNames) {
    describe(`the ${name} stack`, () => {
      const { objects } = renderStack(getStack(name));
      const namespaces = objects.filter((o) => o.kind === 'Namespace');
      const namespaced = objects.filter((o) => o.kind !== 'Namespace');
      const deployments = objects.filter((o) => o.kind === 'Deployment');
      // Namespaces the stack writes into but another layer creates (istio-system: the mesh).
      const provided = [
        ...new Set(
          namespaced
            .map((o) => o.metadata.namespace)
            .filter((n): n is string => n !== undefined)
            .filter((n) => !namespaces.some((ns) => ns.metadata.name === n)),
        ),
      ];

      it('is accepted object by object: dry run, apply, then an empty diff', async () => {
        for (const name of provided) {
          const exists = await kube.kubectl(['get', 'namespace', name]);
          if (exists.code !== 0) await kubectlOk(kube, ['create', 'namespace', name]);
        }
        // Namespaces first: a dry run of an object in a missing namespace is refused.
        for (const step of [applyDryRun, apply]) {
          const result = await step(kube, namespaces);
          expect(result.stderr).toBe('');
          expect(appliedLines(result)).toHaveLength(namespaces.length);
        }
        const dryRun = await applyDryRun(kube, namespaced);
        expect(dryRun.stderr).toBe('');
        expect(dryRun.code).toBe(0);
        expect(appliedLines(dryRun)).toHaveLength(namespaced.length);
        for (const line of appliedLines(dryRun)) {
          expect(line).toMatch(/ serverside-applied \(server dry run\)$/);
        }

        const applied = await apply(kube, namespaced);
        expect(applied.stderr).toBe('');
        expect(applied.code).toBe(0);
        expect(appliedLines(applied)).toHaveLength(namespaced.length);

        const changes = await diff(kube, objects as readonly ManifestObject[]);
        expect({ code: changes.code, stdout: changes.stdout, stderr: changes.stderr }).toEqual({
          code: 0,
          stdout: '',
          stderr: '',
        });
      });

      it('deletes with foreground propagation, which waits for the garbage collector', async () => {
        expect(deployments.length).toBeGreaterThan(0);
        for (const deployment of deployments) {
          const namespace = deployment.metadata.namespace ?? 'default';
          const { name: deploymentName } = deployment.metadata;
          // The controller-manager's Deployment controller creates a ReplicaSet it owns ...
          await until(`a ReplicaSet of ${deploymentName}`, async () => {
            const owned = await replicaSetsOf(kube, namespace, deploymentName);
            return owned.length > 0 ? owned : undefined;
          });
          // ... and a foreground delete only completes once the garbage collector removed it.
          await kubectlOk(kube, [
            'delete',
            'deployment',
            deploymentName,
            '-n',
            namespace,
            '--cascade=foreground',
            '--wait=true',
            '--timeout=120s',
          ]);
          expect(await replicaSetsOf(kube, namespace, deploymentName)).toEqual([]);
        }
        const names = namespaces.map((n) => n.metadata.name);
        await kubectlOk(kube, [
          'delete',
          'namespaces',
          ...names,
          '--cascade=foreground',
          '--wait=true',
          '--timeout=180s',
        ]);
        const { stdout } = await kubectlOk(kube, [
          'get',
          'namespaces',
          '-o',
          'jsonpath={.items[*].metadata.name}',
        ]);
        for (const n of names) expect(stdout.split(' ')).not.toContain(n);
      });
    });
  }
});
