import { readFileSync } from 'node:fs';
import * as aws from '@pulumi/aws';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { find, installMocks, parentType, settle } from './pulumi-mocks.js';

const recorded = installMocks();
const eks = await import('@pulumi/eks');
const { GpuNodePool, NVIDIA_DEVICE_PLUGIN_CHART_VERSION } = await import(
  '../../../components/gpu-node-pool.js'
);

// Renders whole stacks and waits for registrations: room for a loaded machine.
describe('GpuNodePool', { timeout: 60_000 }, () => {
  it('adds NVIDIA nodes (AL2023 NVIDIA AMI, GPU taint and label) and the device plugin chart', async () => {
    const cluster = new eks.Cluster('c', { skipDefaultNodeGroup: true });
    const nodeRole = new aws.iam.Role('r', { assumeRolePolicy: '{}' });
    new GpuNodePool('gpu', {
      cluster,
      nodeRole,
      subnetIds: ['s1', 's2'],
      instanceTypes: ['g5.xlarge'],
      minSize: 2,
      maxSize: 6,
    });
    await settle(recorded);
    const nodes = find(recorded, 'eks:index:ManagedNodeGroup', 'gpu-nodes');
    expect(nodes.inputs).toMatchObject({
      amiType: 'AL2023_x86_64_NVIDIA',
      instanceTypes: ['g5.xlarge'],
      scalingConfig: { minSize: 2, desiredSize: 2, maxSize: 6 },
      labels: { 'nvidia.com/gpu.present': 'true' },
      taints: [{ key: 'nvidia.com/gpu', value: 'true', effect: 'NO_SCHEDULE' }],
      subnetIds: ['s1', 's2'],
      diskSize: 100,
    });
    const chart = find(recorded, 'kubernetes:helm.sh/v4:Chart', 'gpu-device-plugin');
    expect(chart.inputs.chart).toMatch(/charts\/nvidia-device-plugin$/);
    expect(chart.inputs.version).toBe(NVIDIA_DEVICE_PLUGIN_CHART_VERSION);
    const vendored = parse(readFileSync(`${chart.inputs.chart}/Chart.yaml`, 'utf8'));
    expect(vendored.version).toBe(NVIDIA_DEVICE_PLUGIN_CHART_VERSION);
    expect(chart.inputs.namespace).toBe('kube-system');
    expect(chart.dependencies.join(' ')).toContain('gpu-nodes');
    for (const r of [nodes, chart]) expect(parentType(r)).toBe('meshrag:gpu:GpuNodePool');
  });

  it('fails when no instance type is given', () => {
    const cluster = new eks.Cluster('c2', {});
    const nodeRole = new aws.iam.Role('r2', { assumeRolePolicy: '{}' });
    expect(
      () => new GpuNodePool('empty', { cluster, nodeRole, subnetIds: [], instanceTypes: [] }),
    ).toThrow(
      "GpuNodePool empty: instanceTypes is empty; name a GPU instance type, e.g. ['g5.xlarge']",
    );
  });
});
