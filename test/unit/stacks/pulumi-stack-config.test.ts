import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { resolveStackConfig } from '../../../stacks/pulumi-stack-config.js';
import { getStack } from '../../../stacks/stack-registry.js';

/** A stack file's config as the engine passes it: `<ns>:<key>` → string, objects as JSON. */
function stackFile(stack: string): Record<string, string> {
  const file = parse(
    readFileSync(new URL(`../../../stacks/Pulumi.${stack}.yaml`, import.meta.url), 'utf8'),
  );
  return Object.fromEntries(
    Object.entries(file.config ?? {}).map(([k, v]) => [
      k,
      typeof v === 'string' ? v : JSON.stringify(v),
    ]),
  );
}

const json = (value: unknown) => JSON.stringify(value);

describe('resolveStackConfig', () => {
  it('reads each stack file into its typed stack: dev adopts a cluster, staging and prod are EKS, prod has GPUs', () => {
    const dev = resolveStackConfig('dev', stackFile('dev'));
    expect(dev.deploy).toEqual({
      cluster: { provider: 'kubeconfig' },
      images: { source: 'prebuilt' },
      skipAwait: false,
    });
    expect(dev.kafka).toEqual(getStack('dev').kafka);
    const staging = resolveStackConfig('staging', stackFile('staging'));
    expect(staging.deploy.cluster.provider).toBe('eks');
    expect(staging.deploy.gpuNodePool).toBeUndefined();
    expect(staging.deploy.images).toEqual({ source: 'build', registry: 'ecr' });
    const prod = resolveStackConfig('prod', stackFile('prod'));
    expect(prod.deploy.gpuNodePool?.instanceTypes).toEqual(['g5.xlarge']);
    expect(prod.embedder.accelerator).toBe('gpu');
  });

  it('lets a stack file name its typed stack, point at a context, skip awaits and pin prebuilt images', () => {
    const digest = `ghcr.io/acme/embedder@sha256:${'d'.repeat(64)}`;
    const config = resolveStackConfig('envtest', {
      'meshrag:stack': 'dev',
      'meshrag:cluster': json({ provider: 'kubeconfig', context: 'kind-meshrag' }),
      'meshrag:skipAwait': 'true',
      'meshrag:images': json({ source: 'prebuilt', embedder: digest }),
      'meshrag:consumer': json({ replicas: 2 }),
      'kubernetes:kubeconfig': 'ignored: another namespace',
    });
    expect(config.name).toBe('envtest');
    expect(config.deploy).toMatchObject({ cluster: { context: 'kind-meshrag' }, skipAwait: true });
    expect(config.images.embedder).toBe(digest);
    expect(config.images.consumer).toBe(getStack('dev').images.consumer);
    expect(config.consumer.replicas).toBe(2);
  });

  it('fails when a key is unknown, naming the known keys', () => {
    expect(() => resolveStackConfig('dev', { 'meshrag:skipAwaits': 'true' })).toThrow(
      /stacks\/Pulumi.dev.yaml: unknown config key 'meshrag:skipAwaits'; known keys are meshrag:stack, meshrag:cluster/,
    );
  });

  it('fails when a value has the wrong type', () => {
    expect(() => resolveStackConfig('dev', { 'meshrag:skipAwait': 'yes' })).toThrow(
      'stacks/Pulumi.dev.yaml: meshrag:skipAwait must be boolean, got "yes"',
    );
    expect(() =>
      resolveStackConfig('staging', {
        'meshrag:cluster': json({
          provider: 'eks',
          nodeInstanceTypes: [],
          nodeMinSize: 1,
          nodeMaxSize: 2,
          nodeDesiredSize: 1,
        }),
      }),
    ).toThrow('meshrag:cluster/nodeInstanceTypes must NOT have fewer than 1 items');
  });

  it('fails when an object has an unknown field or a value outside its choices', () => {
    expect(() =>
      resolveStackConfig('dev', {
        'meshrag:cluster': json({ provider: 'kubeconfig', contxt: 'x' }),
      }),
    ).toThrow("meshrag:cluster has an unknown field 'contxt'");
    expect(() =>
      resolveStackConfig('dev', { 'meshrag:cluster': json({ provider: 'gke' }) }),
    ).toThrow('meshrag:cluster/provider must be one of "kubeconfig", "eks"');
    expect(() => resolveStackConfig('dev', { 'meshrag:stack': 'production' })).toThrow(
      'meshrag:stack must be one of "dev", "staging", "prod"',
    );
  });

  it('fails when GPUs are asked for on a stack without a GPU pool', () => {
    expect(() =>
      resolveStackConfig('staging', {
        'meshrag:embedder': json({ accelerator: 'gpu', gpuCount: 1 }),
      }),
    ).toThrow(
      'stacks/Pulumi.staging.yaml: the embedder asks for GPUs (accelerator: gpu) but the stack has no GPU node pool; set meshrag:gpuNodePool (EKS stacks) or meshrag:embedder.accelerator: cpu',
    );
  });

  it('fails when a GPU pool is asked for on an existing cluster', () => {
    expect(() =>
      resolveStackConfig('dev', {
        'meshrag:gpuNodePool': json({
          instanceTypes: ['g5.xlarge'],
          minSize: 1,
          maxSize: 1,
          desiredSize: 1,
        }),
      }),
    ).toThrow(/meshrag:gpuNodePool needs an EKS cluster/);
  });

  it('fails when sizes contradict each other', () => {
    expect(() =>
      resolveStackConfig('prod', {
        'meshrag:gpuNodePool': json({
          instanceTypes: ['g5.xlarge'],
          minSize: 3,
          maxSize: 2,
          desiredSize: 2,
        }),
      }),
    ).toThrow(
      'meshrag:gpuNodePool sizes must satisfy minSize <= desiredSize <= maxSize, got 3 <= 2 <= 2',
    );
  });

  it('fails when images are pushed to ECR from a stack without AWS', () => {
    expect(() =>
      resolveStackConfig('dev', { 'meshrag:images': json({ source: 'build', registry: 'ecr' }) }),
    ).toThrow(/images.registry 'ecr' needs an EKS stack/);
    expect(() =>
      resolveStackConfig('dev', { 'meshrag:images': json({ source: 'build' }) }),
    ).toThrow("meshrag:images must have required property 'registry'");
  });

  it('fails when a CPU embedder is given a GPU count', () => {
    expect(() => resolveStackConfig('dev', { 'meshrag:embedder': json({ gpuCount: 1 }) })).toThrow(
      'meshrag:embedder.gpuCount is set on a CPU embedder; set embedder.accelerator: gpu or drop gpuCount',
    );
  });
});
