import { describe, expect, it } from 'vitest';
import {
  find,
  installMocks,
  parentType,
  resolved,
  SECRET_SIG,
  SECRET_VALUE_SIG,
  settle,
} from './pulumi-mocks.js';

const recorded = installMocks();
const { KubernetesCluster, NODE_ROLE_POLICIES } = await import(
  '../../../components/kubernetes-cluster.js'
);

// Renders whole stacks and waits for registrations: room for a loaded machine.
describe('KubernetesCluster', { timeout: 60_000 }, () => {
  it('adopts an existing cluster from a kubeconfig and context, creating nothing else', async () => {
    const cluster = new KubernetesCluster('dev', {
      existing: { kubeconfig: '/tmp/kubeconfig', context: 'kind' },
    });
    await settle(recorded);
    const provider = find(recorded, 'pulumi:providers:kubernetes', 'dev-provider');
    expect(provider.inputs).toMatchObject({ kubeconfig: '/tmp/kubeconfig', context: 'kind' });
    expect(parentType(provider)).toBe('meshrag:cluster:KubernetesCluster');
    expect(recorded.filter((r) => r.name.startsWith('dev-')).map((r) => r.type)).toEqual([
      'pulumi:providers:kubernetes',
    ]);
    expect(cluster.eks).toBeUndefined();
    expect(await resolved(cluster.kubeconfig)).toBe('/tmp/kubeconfig');
  });

  it('creates EKS in its own VPC: API authentication, no default node group, a CPU managed node group', async () => {
    const cluster = new KubernetesCluster('staging', {
      eks: { nodeInstanceTypes: ['m6i.xlarge'], nodeMinSize: 3, nodeMaxSize: 6 },
    });
    await settle(recorded);
    const eks = find(recorded, 'eks:index:Cluster', 'staging-eks');
    expect(eks.inputs).toMatchObject({
      authenticationMode: 'API',
      skipDefaultNodeGroup: true,
      nodeAssociatePublicIpAddress: false,
      vpcId: 'staging-vpc-id',
      privateSubnetIds: ['staging-private-0-id', 'staging-private-1-id'],
      publicSubnetIds: ['staging-public-0-id', 'staging-public-1-id'],
    });
    expect(parentType(eks)).toBe('meshrag:cluster:KubernetesCluster');
    const nodes = find(recorded, 'eks:index:ManagedNodeGroup', 'staging-cpu-nodes');
    expect(nodes.inputs).toMatchObject({
      instanceTypes: ['m6i.xlarge'],
      scalingConfig: { minSize: 3, desiredSize: 3, maxSize: 6 },
      subnetIds: ['staging-private-0-id', 'staging-private-1-id'],
      nodeRoleArn: 'arn:aws:iam::123456789012:role/staging-node-role',
    });
    const policies = recorded
      .filter(
        (r) =>
          r.type === 'aws:iam/rolePolicyAttachment:RolePolicyAttachment' &&
          r.name.startsWith('staging-'),
      )
      .map((r) => r.inputs.policyArn);
    expect(policies).toEqual(NODE_ROLE_POLICIES);
    expect(
      find(recorded, 'aws:ec2/subnet:Subnet', 'staging-private-1').inputs.availabilityZone,
    ).toBe('us-east-1b');
    const provider = find(recorded, 'pulumi:providers:kubernetes', 'staging-provider');
    expect(provider.inputs.kubeconfig).toEqual({
      [SECRET_SIG]: SECRET_VALUE_SIG,
      value: '{"kind":"Config"}',
    });
    expect(cluster.eks?.privateSubnetIds).toHaveLength(2);
    expect(await resolved(cluster.kubeconfig)).toBe('{"kind":"Config"}');
  });

  it('fails when given both or neither of existing and eks', () => {
    expect(() => new KubernetesCluster('x', {})).toThrow(
      "KubernetesCluster x: give exactly one of 'existing' (a kubeconfig) and 'eks' (a new EKS cluster)",
    );
  });

  it('fails when node group sizes contradict each other', () => {
    expect(
      () =>
        new KubernetesCluster('y', {
          eks: { nodeInstanceTypes: ['m6i.large'], nodeMinSize: 4, nodeMaxSize: 2 },
        }),
    ).toThrow(
      'KubernetesCluster y: node group sizes must satisfy nodeMinSize <= nodeDesiredSize <= nodeMaxSize (maxSize >= 1), got 4 <= 4 <= 2',
    );
  });
});
