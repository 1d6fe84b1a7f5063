import { describe, expect, it } from 'vitest';
import {
  FAKE_DIGEST,
  find,
  installMocks,
  parentType,
  resolved,
  settle,
} from '../components/pulumi-mocks.js';

const recorded = installMocks();
const { meshragProgram, embedderTarget } = await import('../../../infra/meshrag-program.js');
const { getStack } = await import('../../../stacks/stack-registry.js');
const { renderStack } = await import('../../../constructs/render/render-stack.js');

const GROUP = 'kubernetes:yaml/v2:ConfigGroup';
const types = () => new Set(recorded.map((r) => r.type));

/** Runs one stack's program from a clean record. */
async function run(stack: string) {
  recorded.length = 0;
  const outputs = meshragProgram(getStack(stack), { repositoryRoot: '/repo' });
  await settle(recorded);
  return outputs;
}

// Renders whole stacks and waits for registrations: room for a loaded machine.
describe('the meshrag program', { timeout: 60_000 }, () => {
  it('dev: adopts the kubeconfig cluster, builds nothing, no GPUs, and applies the dev render', async () => {
    const outputs = await run('dev');
    expect(find(recorded, 'pulumi:providers:kubernetes', 'cluster-provider').inputs).toEqual({});
    for (const t of [
      'eks:index:Cluster',
      'eks:index:ManagedNodeGroup',
      'docker-build:index:Image',
      'aws:ec2/vpc:Vpc',
    ]) {
      expect(types()).not.toContain(t);
    }
    expect(recorded.filter((r) => r.name.includes('device-plugin'))).toEqual([]);
    const dev = getStack('dev');
    const applied = ['namespaces', 'kafka', 'workloads', 'services'].flatMap(
      (g) => find(recorded, GROUP, `meshrag-${g}`).inputs.objs,
    );
    expect(applied.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(
      renderStack(dev)
        .objects.map((o) => `${o.kind}/${o.metadata.name}`)
        .sort(),
    );
    expect(outputs.namespaces).toEqual({ app: 'meshrag', kafka: 'kafka' });
    expect(await resolved(outputs.kafkaBootstrap)).toBe('meshrag-kafka-bootstrap.kafka.svc:9093');
    expect(await resolved(outputs.images.embedder)).toBe(dev.images.embedder);
    expect(await resolved(outputs.imageDigests.embedder)).toBe('');
  });

  it('staging: EKS, images built to ECR and pinned by digest, no GPU pool', async () => {
    const outputs = await run('staging');
    expect(types()).toContain('eks:index:Cluster');
    expect(types()).not.toContain('meshrag:gpu:GpuNodePool');
    expect(find(recorded, 'docker-build:index:Image', 'embedder-image-image').inputs.target).toBe(
      'runtime',
    );
    const services = find(recorded, GROUP, 'meshrag-services').inputs.objs;
    for (const d of services) {
      expect(d.spec.template.spec.containers[0].image).toMatch(
        new RegExp(
          `^123456789012\\.dkr\\.ecr\\.us-east-1\\.amazonaws\\.com/meshrag-${d.metadata.name}@${FAKE_DIGEST}$`,
        ),
      );
    }
    expect(await resolved(outputs.imageDigests.consumer)).toBe(FAKE_DIGEST);
    const platform = find(recorded, 'meshrag:platform:MeshragPlatform', 'meshrag');
    expect(platform.dependencies).toEqual([]);
  });

  it('prod: adds the GPU pool with the device plugin, builds the CUDA embedder, and deploys after the pool', async () => {
    await run('prod');
    const pool = find(recorded, 'meshrag:gpu:GpuNodePool', 'gpu');
    expect(find(recorded, 'eks:index:ManagedNodeGroup', 'gpu-nodes').inputs.amiType).toBe(
      'AL2023_x86_64_NVIDIA',
    );
    expect(parentType(find(recorded, 'kubernetes:helm.sh/v4:Chart', 'gpu-device-plugin'))).toBe(
      pool.type,
    );
    expect(find(recorded, 'docker-build:index:Image', 'embedder-image-image').inputs.target).toBe(
      'runtime-cuda',
    );
    expect(embedderTarget(getStack('prod'))).toBe('runtime-cuda');
    const platform = find(recorded, 'meshrag:platform:MeshragPlatform', 'meshrag');
    expect(platform.dependencies.join(' ')).toContain('gpu-nodes');
    const embedder = find(recorded, GROUP, 'meshrag-services').inputs.objs.find(
      (o: { metadata: { name: string } }) => o.metadata.name === 'embedder',
    );
    expect(embedder.spec.template.spec.containers[0].resources.limits['nvidia.com/gpu']).toBe(1);
  });
});
