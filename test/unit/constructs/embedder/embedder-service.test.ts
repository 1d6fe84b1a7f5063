import { describe, expect, it } from 'vitest';
import {
  EmbedderService,
  type EmbedderServiceProps,
} from '../../../../constructs/embedder/embedder-service.js';
import { collectGrants } from '../../../../constructs/grants/grant.js';
import { MeshIdentity } from '../../../../constructs/mesh/mesh-identity.js';
import { MeshNamespace } from '../../../../constructs/mesh/mesh-namespace.js';
import { validateManifest } from '../../../helpers/manifest-schemas.js';
import { findObject, type SynthObject, synthChart } from '../../../helpers/synth-chart.js';

const image = 'ghcr.io/meshrag/embedder:0.1.0';

function embedder(
  props: Partial<EmbedderServiceProps> = {},
  build?: (e: EmbedderService, ns: MeshNamespace) => void,
) {
  return synthChart((chart) => {
    const ns = new MeshNamespace(chart, 'Ns', { name: 'apps' });
    const e = new EmbedderService(chart, 'Embedder', { namespace: ns, image, ...props });
    build?.(e, ns);
  });
}

const podSpec = (objects: SynthObject[]) =>
  findObject(objects, 'Deployment', 'embedder').spec.template.spec;

describe('EmbedderService', { timeout: 30_000 }, () => {
  it('runs as its own ServiceAccount behind an http-embed Service', () => {
    const objects = embedder();

    expect(podSpec(objects).serviceAccountName).toBe('embedder');
    expect(findObject(objects, 'ServiceAccount', 'embedder', 'apps')).toBeDefined();
    const service = findObject(objects, 'Service', 'embedder', 'apps');
    expect(service.spec.ports).toEqual([{ name: 'http-embed', port: 8080, targetPort: 8080 }]);
    expect(service.spec.selector).toEqual({ 'app.kubernetes.io/name': 'embedder' });
    expect(podSpec(objects).containers[0].ports).toEqual([
      { containerPort: 8080, name: 'http-embed' },
    ]);
    for (const o of objects) expect(validateManifest(o)).toEqual([]);
  });

  it('probes /health and meets the restricted Pod Security Standard with a writable /tmp', () => {
    const spec = podSpec(embedder());
    const container = spec.containers[0];

    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
      expect(container[probe].httpGet).toMatchObject({ path: '/health', port: 8080 });
    }
    expect(spec.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container.volumeMounts).toEqual([{ mountPath: '/tmp', name: 'tmp' }]);
    expect(spec.automountServiceAccountToken).toBe(false);
  });

  it('on CPU requests no GPU, tolerates no taint and picks no node', () => {
    const spec = podSpec(embedder());
    expect(spec.containers[0].resources.limits).not.toHaveProperty('nvidia.com/gpu');
    expect(spec.tolerations).toBeUndefined();
    expect(spec.nodeSelector).toBeUndefined();
    expect(spec.containers[0].env).toContainEqual({
      name: 'MESHRAG_EMBEDDER_EXECUTION_PROVIDER',
      value: 'cpu',
    });
  });

  it('on GPU requests nvidia.com/gpu, tolerates the GPU taint, selects GPU nodes and runs CUDA', () => {
    const objects = embedder({ accelerator: 'gpu' });
    const spec = podSpec(objects);

    expect(spec.containers[0].resources.limits['nvidia.com/gpu']).toBe(1);
    expect(spec.tolerations).toEqual([
      { key: 'nvidia.com/gpu', operator: 'Equal', value: 'true', effect: 'NoSchedule' },
    ]);
    expect(spec.nodeSelector).toEqual({ 'nvidia.com/gpu.present': 'true' });
    expect(spec.containers[0].env).toContainEqual({
      name: 'MESHRAG_EMBEDDER_EXECUTION_PROVIDER',
      value: 'cuda',
    });
    expect(validateManifest(findObject(objects, 'Deployment', 'embedder'))).toEqual([]);
  });

  it('scales on CPU between min and max replicas', () => {
    const objects = embedder({ minReplicas: 2, maxReplicas: 6 });
    const hpa = findObject(objects, 'HorizontalPodAutoscaler', 'embedder');

    expect(hpa.spec).toMatchObject({
      minReplicas: 2,
      maxReplicas: 6,
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'embedder' },
    });
    expect(hpa.spec.metrics[0].resource).toEqual({
      name: 'cpu',
      target: { type: 'Utilization', averageUtilization: 70 },
    });
    expect(findObject(objects, 'Deployment', 'embedder').spec.replicas).toBeUndefined();
  });

  it('grants invoke as POST /embed only by default, /v1/embeddings on request, and metrics as GET /metrics', () => {
    embedder({}, (e, ns) => {
      const client = new MeshIdentity(e, 'Client', { namespace: ns, name: 'client' });
      const openAi = new MeshIdentity(e, 'OpenAi', { namespace: ns, name: 'openai-client' });
      e.grantInvoke(client);
      e.grantInvoke(openAi, { apis: ['tei', 'openai'] });
      e.grantMetricsScrape(client);
      const target = { namespace: 'apps', workload: 'embedder', port: 8080 };
      expect(collectGrants(e)).toEqual([
        {
          kind: 'http',
          grantee: client.principal,
          target,
          operations: [{ methods: ['POST'], paths: ['/embed'] }],
        },
        {
          kind: 'http',
          grantee: openAi.principal,
          target,
          operations: [{ methods: ['POST'], paths: ['/embed', '/v1/embeddings'] }],
        },
        {
          kind: 'http',
          grantee: client.principal,
          target,
          operations: [{ methods: ['GET'], paths: ['/metrics'] }],
        },
      ]);
    });
  });

  it('fails when an invoke grant names no API', () => {
    expect(() =>
      embedder({}, (e, ns) => {
        e.grantInvoke(new MeshIdentity(e, 'Client', { namespace: ns, name: 'client' }), {
          apis: [],
        });
      }),
    ).toThrow(/invoke grant for cluster.local\/ns\/apps\/sa\/client names no API/);
  });

  it('fails when a GPU count is set on a CPU stack', () => {
    expect(() => embedder({ gpuCount: 1 })).toThrow(/gpuCount 1 on a CPU stack/);
  });

  it('fails when the GPU count is not a whole number from 1', () => {
    expect(() => embedder({ accelerator: 'gpu', gpuCount: 0 })).toThrow(
      /gpuCount must be a whole number between 1 and 8/,
    );
  });

  it('fails when maxReplicas is below minReplicas, or minReplicas is 0', () => {
    expect(() => embedder({ minReplicas: 3, maxReplicas: 2 })).toThrow(
      /maxReplicas must be a whole number >= 3, got 2/,
    );
    expect(() => embedder({ minReplicas: 0 })).toThrow(
      /minReplicas must be a whole number >= 1, got 0/,
    );
  });

  it('fails when the image is not pinned', () => {
    for (const bad of [
      'ghcr.io/meshrag/embedder',
      'ghcr.io/meshrag/embedder:latest',
      'Embedder:1',
    ]) {
      expect(() => embedder({ image: bad })).toThrow(/not a pinned image reference/);
    }
    expect(() =>
      embedder({ image: `ghcr.io/meshrag/embedder@sha256:${'a'.repeat(64)}` }),
    ).not.toThrow();
  });

  it('fails when the name is invalid or resources request more than their limits', () => {
    expect(() => embedder({ name: 'Embedder' })).toThrow(/EmbedderService name 'Embedder'/);
    expect(() =>
      embedder({
        resources: {
          cpuRequestMillis: 1000,
          cpuLimitMillis: 500,
          memoryRequestMiB: 1,
          memoryLimitMiB: 1,
        },
      }),
    ).toThrow(/cpuLimitMillis must be a whole number >= 1000/);
  });
});
