import * as aws from '@pulumi/aws';
import * as eks from '@pulumi/eks';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';

/** An existing cluster, reached through a kubeconfig. */
export interface ExistingClusterArgs {
  /**
   * Kubeconfig contents or a path to one.
   * @default - `$KUBECONFIG`, else `~/.kube/config`
   */
  readonly kubeconfig?: pulumi.Input<string>;
  /** @default - the kubeconfig's current context */
  readonly context?: string;
}

/** A new EKS cluster in its own VPC, with a CPU managed node group and no default node group. */
export interface EksClusterArgs {
  /** Instance types of the CPU node group. */
  readonly nodeInstanceTypes: readonly string[];
  /** @default 2 */
  readonly nodeMinSize?: number;
  /** @default 4 */
  readonly nodeMaxSize?: number;
  /** @default - nodeMinSize */
  readonly nodeDesiredSize?: number;
  /** @default - EKS's default version */
  readonly kubernetesVersion?: string;
  /** @default '10.0.0.0/16' */
  readonly vpcCidr?: string;
  /**
   * Availability zones for the subnets (EKS needs two).
   * @default - the region's first two
   */
  readonly availabilityZones?: readonly string[];
}

export interface KubernetesClusterArgs {
  /** Adopt an existing cluster. Give exactly one of `existing` and `eks`. */
  readonly existing?: ExistingClusterArgs;
  /** Create an EKS cluster. Give exactly one of `existing` and `eks`. */
  readonly eks?: EksClusterArgs;
}

/** What an EKS cluster adds: what a GPU node pool needs to join it. */
export interface EksClusterParts {
  readonly cluster: eks.Cluster;
  readonly nodeRole: aws.iam.Role;
  readonly privateSubnetIds: pulumi.Output<string>[];
}

/** The node role's managed policies (what EKS documents for managed node groups). */
export const NODE_ROLE_POLICIES: readonly string[] = [
  'arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy',
  'arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy',
  'arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly',
];

/**
 * The cluster meshrag deploys to, and a Kubernetes provider for it: either an existing cluster
 * from a kubeconfig (any cluster, no cloud account), or EKS with `authenticationMode: API`
 * (access entries, no aws-auth ConfigMap to fight over), its own VPC (public subnets for load
 * balancers, private subnets behind one NAT gateway for nodes) and a CPU managed node group.
 */
export class KubernetesCluster extends pulumi.ComponentResource {
  /** The provider every in-cluster resource uses. */
  public readonly provider: k8s.Provider;
  /** The kubeconfig (secret); undefined for an existing cluster read from the environment. */
  public readonly kubeconfig: pulumi.Output<string | undefined>;
  /** Set on EKS clusters only. */
  public readonly eks: EksClusterParts | undefined;

  public constructor(
    name: string,
    args: KubernetesClusterArgs,
    opts: pulumi.ComponentResourceOptions = {},
  ) {
    super('meshrag:cluster:KubernetesCluster', name, args, opts);
    const parts = createKubernetesCluster(this, name, args);
    this.provider = parts.provider;
    this.kubeconfig = parts.kubeconfig;
    this.eks = parts.eks;
    this.registerOutputs({ kubeconfig: this.kubeconfig });
  }
}

/** The body of {@link KubernetesCluster}, callable with any parent. */
export function createKubernetesCluster(
  parent: pulumi.Resource,
  name: string,
  args: KubernetesClusterArgs,
): Pick<KubernetesCluster, 'provider' | 'kubeconfig' | 'eks'> {
  if ((args.existing === undefined) === (args.eks === undefined)) {
    throw new Error(
      `KubernetesCluster ${name}: give exactly one of 'existing' (a kubeconfig) and 'eks' (a new EKS cluster)`,
    );
  }
  if (args.existing !== undefined) {
    const { kubeconfig, context } = args.existing;
    const provider = new k8s.Provider(
      `${name}-provider`,
      {
        ...(kubeconfig === undefined ? {} : { kubeconfig }),
        ...(context === undefined ? {} : { context }),
      },
      { parent },
    );
    return {
      provider,
      kubeconfig: pulumi.secret(pulumi.output(kubeconfig)),
      eks: undefined,
    };
  }
  const settings = args.eks as EksClusterArgs;
  const minSize = settings.nodeMinSize ?? 2;
  const maxSize = settings.nodeMaxSize ?? 4;
  const desiredSize = settings.nodeDesiredSize ?? minSize;
  if (settings.nodeInstanceTypes.length === 0) {
    throw new Error(
      `KubernetesCluster ${name}: eks.nodeInstanceTypes is empty; name at least one instance type, e.g. ['m6i.xlarge']`,
    );
  }
  if (!(minSize <= desiredSize && desiredSize <= maxSize && maxSize >= 1)) {
    throw new Error(
      `KubernetesCluster ${name}: node group sizes must satisfy nodeMinSize <= nodeDesiredSize <= nodeMaxSize (maxSize >= 1), got ${minSize} <= ${desiredSize} <= ${maxSize}`,
    );
  }

  const network = createVpc(parent, name, settings);
  const cluster = new eks.Cluster(
    `${name}-eks`,
    {
      vpcId: network.vpcId,
      publicSubnetIds: network.publicSubnetIds,
      privateSubnetIds: network.privateSubnetIds,
      nodeAssociatePublicIpAddress: false,
      authenticationMode: eks.AuthenticationMode.Api,
      skipDefaultNodeGroup: true,
      createOidcProvider: true,
      ...(settings.kubernetesVersion === undefined ? {} : { version: settings.kubernetesVersion }),
    },
    { parent },
  );
  const nodeRole = new aws.iam.Role(
    `${name}-node-role`,
    { assumeRolePolicy: aws.iam.assumeRolePolicyForPrincipal({ Service: 'ec2.amazonaws.com' }) },
    { parent },
  );
  NODE_ROLE_POLICIES.forEach((policyArn, i) => {
    new aws.iam.RolePolicyAttachment(
      `${name}-node-role-policy-${i}`,
      { role: nodeRole.name, policyArn },
      { parent },
    );
  });
  new eks.ManagedNodeGroup(
    `${name}-cpu-nodes`,
    {
      cluster,
      nodeRoleArn: nodeRole.arn,
      subnetIds: network.privateSubnetIds,
      instanceTypes: [...settings.nodeInstanceTypes],
      scalingConfig: { minSize, maxSize, desiredSize },
      amiType: 'AL2023_x86_64_STANDARD',
    },
    { parent },
  );
  const kubeconfig = pulumi.secret(cluster.kubeconfigJson);
  const provider = new k8s.Provider(`${name}-provider`, { kubeconfig }, { parent });
  return {
    provider,
    kubeconfig,
    eks: { cluster, nodeRole, privateSubnetIds: network.privateSubnetIds },
  };
}

interface Network {
  readonly vpcId: pulumi.Output<string>;
  readonly publicSubnetIds: pulumi.Output<string>[];
  readonly privateSubnetIds: pulumi.Output<string>[];
}

// Two AZs, a public and a private /20 in each; nodes in the private ones, egress through one
// NAT gateway (one per AZ would survive an AZ outage; say so here if that changes).
function createVpc(parent: pulumi.Resource, name: string, settings: EksClusterArgs): Network {
  const cidr = settings.vpcCidr ?? '10.0.0.0/16';
  const [a, b] = cidr.split('.');
  const zones =
    settings.availabilityZones !== undefined
      ? pulumi.output([...settings.availabilityZones])
      : aws.getAvailabilityZonesOutput({ state: 'available' }, { parent }).names;
  const vpc = new aws.ec2.Vpc(
    `${name}-vpc`,
    { cidrBlock: cidr, enableDnsHostnames: true, enableDnsSupport: true },
    { parent },
  );
  const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id }, { parent });
  const publicRoutes = new aws.ec2.RouteTable(
    `${name}-public-routes`,
    { vpcId: vpc.id, routes: [{ cidrBlock: '0.0.0.0/0', gatewayId: igw.id }] },
    { parent },
  );
  const publicSubnets = [0, 1].map((i) => {
    const subnet = new aws.ec2.Subnet(
      `${name}-public-${i}`,
      {
        vpcId: vpc.id,
        cidrBlock: `${a}.${b}.${i * 16}.0/20`,
        availabilityZone: zones.apply((z) => z[i] ?? ''),
        mapPublicIpOnLaunch: true,
        tags: { 'kubernetes.io/role/elb': '1' },
      },
      { parent },
    );
    new aws.ec2.RouteTableAssociation(
      `${name}-public-${i}`,
      { subnetId: subnet.id, routeTableId: publicRoutes.id },
      { parent },
    );
    return subnet;
  });
  const natIp = new aws.ec2.Eip(`${name}-nat-ip`, { domain: 'vpc' }, { parent });
  const nat = new aws.ec2.NatGateway(
    `${name}-nat`,
    { allocationId: natIp.id, subnetId: (publicSubnets[0] as aws.ec2.Subnet).id },
    { parent },
  );
  const privateRoutes = new aws.ec2.RouteTable(
    `${name}-private-routes`,
    { vpcId: vpc.id, routes: [{ cidrBlock: '0.0.0.0/0', natGatewayId: nat.id }] },
    { parent },
  );
  const privateSubnets = [0, 1].map((i) => {
    const subnet = new aws.ec2.Subnet(
      `${name}-private-${i}`,
      {
        vpcId: vpc.id,
        cidrBlock: `${a}.${b}.${128 + i * 16}.0/20`,
        availabilityZone: zones.apply((z) => z[i] ?? ''),
        tags: { 'kubernetes.io/role/internal-elb': '1' },
      },
      { parent },
    );
    new aws.ec2.RouteTableAssociation(
      `${name}-private-${i}`,
      { subnetId: subnet.id, routeTableId: privateRoutes.id },
      { parent },
    );
    return subnet;
  });
  return {
    vpcId: vpc.id,
    publicSubnetIds: publicSubnets.map((s) => s.id),
    privateSubnetIds: privateSubnets.map((s) => s.id),
  };
}
