/**
 * Chroma's volume size on a real API server. A StatefulSet's claim templates are immutable, so
 * the naive change (a bigger template) is what the server forbids; ChromaDb keeps the template
 * and grows the claim the StatefulSet adopted, which the server allows for a bound claim of an
 * expandable class. No provisioner runs here: a pre-made PersistentVolume per claim is bound
 * by the controller-manager's binder, which is all the API server looks at.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChromaDb, type ChromaDbProps } from '../../../constructs/chroma/chroma-db.js';
import { MeshNamespace } from '../../../constructs/mesh/mesh-namespace.js';
import type { KubeApiServer } from '../../../local/kube-apiserver/kube-api-server.js';
import { findObject, type SynthObject, synthChart } from '../../helpers/synth-chart.js';
import {
  appliedLines,
  apply,
  applyDryRun,
  diff,
  kubectlOk,
  startTestKube,
  yamlStream,
} from './kube-fixture.js';

const NAMESPACE = 'apps';
const EXPANDABLE = 'meshrag-expandable';
const FIXED = 'meshrag-fixed';

/** ChromaDb's core objects (the mesh policies need Istio's CRDs and are tested elsewhere). */
function chroma(props: Partial<ChromaDbProps>): SynthObject[] {
  return synthChart((chart) => {
    const namespace = new MeshNamespace(chart, 'Ns', { name: NAMESPACE });
    new ChromaDb(chart, 'Chroma', { namespace, image: 'chromadb/chroma:1.0.0', ...props });
  }).filter((o) => !o.apiVersion.includes('istio.io'));
}

function storageClass(name: string, allowVolumeExpansion: boolean) {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name },
    // No provisioner runs here; claims bind to the volumes made below.
    provisioner: 'example.com/no-provisioner',
    allowVolumeExpansion,
    volumeBindingMode: 'Immediate',
  };
}

/** A volume reserved for one claim, as a provisioner would have made it. */
function volumeFor(claim: string, className: string, sizeGiB: number) {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: `pv-${claim}` },
    spec: {
      capacity: { storage: `${sizeGiB}Gi` },
      accessModes: ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: 'Retain',
      storageClassName: className,
      claimRef: { namespace: NAMESPACE, name: claim },
      hostPath: { path: `/tmp/meshrag-${claim}` },
    },
  };
}

const statefulSetOnly = (objects: SynthObject[]) => objects.filter((o) => o.kind === 'StatefulSet');
const claimOnly = (objects: SynthObject[]) =>
  objects.filter((o) => o.kind === 'PersistentVolumeClaim');

describe('Chroma volume size on a real Kubernetes API server', { timeout: 300_000 }, () => {
  let kube: KubeApiServer;

  async function applyCleanly(objects: SynthObject[]) {
    for (const step of [applyDryRun, apply]) {
      const result = await step(kube, objects);
      expect(result.stderr).toBe('');
      expect(appliedLines(result)).toHaveLength(objects.length);
    }
    const changes = await diff(kube, objects);
    expect({ code: changes.code, stdout: changes.stdout }).toEqual({ code: 0, stdout: '' });
  }

  async function waitBound(claim: string) {
    await kubectlOk(kube, [
      'wait',
      `persistentvolumeclaim/${claim}`,
      '-n',
      NAMESPACE,
      '--for=jsonpath={.status.phase}=Bound',
      '--timeout=90s',
    ]);
  }

  async function claimSize(claim: string): Promise<string> {
    const { stdout } = await kubectlOk(kube, [
      'get',
      `persistentvolumeclaim/${claim}`,
      '-n',
      NAMESPACE,
      '-o',
      'jsonpath={.spec.resources.requests.storage}',
    ]);
    return stdout;
  }

  beforeAll(async () => {
    kube = await startTestKube();
    await kubectlOk(
      kube,
      ['apply', '--server-side', '--field-manager=meshrag-test', '-f', '-'],
      yamlStream([
        // The namespace exists before the first dry run: a server-side dry run of namespaced
        // objects needs it, as it would on any cluster where the stack's namespaces came first.
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } },
        storageClass(EXPANDABLE, true),
        storageClass(FIXED, false),
        volumeFor('data-chroma-0', EXPANDABLE, 5),
        volumeFor('data-fixed-0', FIXED, 5),
      ]),
    );
  }, 600_000);
  afterAll(async () => {
    await kube?.stop();
  });

  it('creates the claim, which the StatefulSet adopts by name instead of making its own', async () => {
    const first = chroma({ storageGiB: 5, storageClassName: EXPANDABLE });
    await applyCleanly(first);
    await waitBound('data-chroma-0');
    // The controller-manager's StatefulSet controller creates the pod on the existing claim.
    await kubectlOk(kube, [
      'wait',
      'pod/chroma-0',
      '-n',
      NAMESPACE,
      '--for=create',
      '--timeout=90s',
    ]);
    const { stdout } = await kubectlOk(kube, [
      'get',
      'pod/chroma-0',
      '-n',
      NAMESPACE,
      '-o',
      'jsonpath={.spec.volumes[?(@.name=="data")].persistentVolumeClaim.claimName}',
    ]);
    expect(stdout).toBe('data-chroma-0');
    const claims = await kubectlOk(kube, ['get', 'pvc', '-n', NAMESPACE, '-o', 'name']);
    expect(claims.stdout.trim()).toBe('persistentvolumeclaim/data-chroma-0');
  });

  it('fails when the claim template itself changes size: the server forbids it', async () => {
    // What ChromaDb rendered before it kept the template: the new size in the template.
    const naive = statefulSetOnly(chroma({ storageGiB: 8, storageClassName: EXPANDABLE }));
    const result = await applyDryRun(kube, naive);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(
      "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', " +
        "'ordinals', 'template', 'updateStrategy'",
    );
  });

  it('grows the volume in place: the claim is expanded, the template is kept', async () => {
    const grown = chroma({
      storageGiB: 8,
      initialStorageGiB: 5,
      storageClassName: EXPANDABLE,
      storageClassAllowsExpansion: true,
    });
    await applyCleanly(grown);
    expect(await claimSize('data-chroma-0')).toBe('8Gi');
    const { stdout } = await kubectlOk(kube, [
      'get',
      'statefulset/chroma',
      '-n',
      NAMESPACE,
      '-o',
      'jsonpath={.spec.volumeClaimTemplates[0].spec.resources.requests.storage}',
    ]);
    expect(stdout).toBe('5Gi');
    expect(findObject(grown, 'StatefulSet', 'chroma').spec.volumeClaimTemplates).toHaveLength(1);
  });

  it('fails when a claim is shrunk below its volume: the server refuses, as ChromaDb does', async () => {
    const claim = claimOnly(chroma({ storageGiB: 4, storageClassName: EXPANDABLE }));
    const result = await applyDryRun(kube, claim);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(
      'spec.resources.requests.storage: Forbidden: field can not be less than status.capacity',
    );
    expect(() =>
      chroma({ storageGiB: 4, initialStorageGiB: 5, storageClassAllowsExpansion: true }),
    ).toThrow(/cannot shrink/);
  });

  it('fails when the storage class does not allow expansion: the server refuses, as ChromaDb does', async () => {
    await applyCleanly(chroma({ name: 'fixed', storageGiB: 5, storageClassName: FIXED }));
    await waitBound('data-fixed-0');
    // Told (wrongly) that the class is expandable, ChromaDb renders the resize ...
    const claim = claimOnly(
      chroma({
        name: 'fixed',
        storageGiB: 8,
        initialStorageGiB: 5,
        storageClassName: FIXED,
        storageClassAllowsExpansion: true,
      }),
    );
    const result = await applyDryRun(kube, claim);
    // ... and the API server's PersistentVolumeClaimResize admission refuses it.
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(
      'only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize',
    );
    expect(() =>
      chroma({ name: 'fixed', storageGiB: 8, initialStorageGiB: 5, storageClassName: FIXED }),
    ).toThrow(/is not declared expandable/);
  });
});
