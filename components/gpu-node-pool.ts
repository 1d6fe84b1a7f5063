import type * as aws from '@pulumi/aws';
import * as eks from '@pulumi/eks';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { vendoredChartPath } from './vendored-chart.js';

/** The NVIDIA device plugin chart vendored in `charts/nvidia-device-plugin`. */
export const NVIDIA_DEVICE_PLUGIN_CHART_VERSION = '0.20.0';
/** The node label GPU pods select (the embedder's default node selector). */
export const GPU_NODE_LABEL = { 'nvidia.com/gpu.present': 'true' } as const;
/** The taint that keeps everything but GPU pods off GPU nodes. */
export const GPU_TAINT = { key: 'nvidia.com/gpu', value: 'true', effect: 'NO_SCHEDULE' } as const;
/** EKS's AL2023 AMI with the NVIDIA driver and container toolkit. */
export const GPU_AMI_TYPE = 'AL2023_x86_64_NVIDIA';

export interface GpuNodePoolArgs {
  /** The EKS cluster the nodes join. */
  readonly cluster: eks.Cluster;
  /** The node IAM role (from {@link KubernetesCluster}'s `eks.nodeRole`). */
  readonly nodeRole: aws.iam.Role;
  /** Subnets for the nodes (private ones). */
  readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** GPU instance types, e.g. `['g5.xlarge']`. */
  readonly instanceTypes: readonly string[];
  /** @default 1 */
  readonly minSize?: number;
  /** @default - minSize */
  readonly desiredSize?: number;
  /** @default - desiredSize */
  readonly maxSize?: number;
  /** Root volume size: the CUDA image and model are large. @default 100 */
  readonly diskSizeGiB?: number;
  /**
   * Namespace of the device plugin DaemonSet.
   * @default 'kube-system'
   */
  readonly devicePluginNamespace?: string;
}

/**
 * NVIDIA GPU nodes for the embedder: an EKS managed node group on the AL2023 NVIDIA AMI (set
 * explicitly: EKS would otherwise pick the standard AMI for some GPU instance types), tainted
 * `nvidia.com/gpu=true:NoSchedule` and labelled `nvidia.com/gpu.present=true`, plus the NVIDIA
 * device plugin, which AWS still requires on these AMIs to advertise `nvidia.com/gpu`.
 * Pass the cluster's Kubernetes provider through `providers: { kubernetes }`.
 * @see https://docs.aws.amazon.com/eks/latest/userguide/ml-eks-optimized-ami.html
 */
export class GpuNodePool extends pulumi.ComponentResource {
  public readonly nodeGroup: eks.ManagedNodeGroup;
  public readonly devicePlugin: k8s.helm.v4.Chart;

  public constructor(
    name: string,
    args: GpuNodePoolArgs,
    opts: pulumi.ComponentResourceOptions = {},
  ) {
    super('meshrag:gpu:GpuNodePool', name, args, opts);
    const parts = createGpuNodePool(this, name, args);
    this.nodeGroup = parts.nodeGroup;
    this.devicePlugin = parts.devicePlugin;
    this.registerOutputs({});
  }
}

/** The body of {@link GpuNodePool}, callable with any parent. */
export function createGpuNodePool(
  parent: pulumi.Resource,
  name: string,
  args: GpuNodePoolArgs,
): Pick<GpuNodePool, 'nodeGroup' | 'devicePlugin'> {
  const minSize = args.minSize ?? 1;
  const desiredSize = args.desiredSize ?? minSize;
  const maxSize = args.maxSize ?? desiredSize;
  if (args.instanceTypes.length === 0) {
    throw new Error(
      `GpuNodePool ${name}: instanceTypes is empty; name a GPU instance type, e.g. ['g5.xlarge']`,
    );
  }
  if (!(minSize <= desiredSize && desiredSize <= maxSize && maxSize >= 1)) {
    throw new Error(
      `GpuNodePool ${name}: sizes must satisfy minSize <= desiredSize <= maxSize (maxSize >= 1), got ${minSize} <= ${desiredSize} <= ${maxSize}`,
    );
  }
  const nodeGroup = new eks.ManagedNodeGroup(
    `${name}-nodes`,
    {
      cluster: args.cluster,
      nodeRole: args.nodeRole,
      subnetIds: args.subnetIds,
      amiType: GPU_AMI_TYPE,
      instanceTypes: [...args.instanceTypes],
      scalingConfig: { minSize, desiredSize, maxSize },
      diskSize: args.diskSizeGiB ?? 100,
      labels: { ...GPU_NODE_LABEL },
      taints: [{ ...GPU_TAINT }],
    },
    { parent },
  );
  // The chart's defaults already tolerate the GPU taint and select nvidia.com/gpu.present=true
  // nodes (NFD, its optional sub-chart, stays off).
  const devicePlugin = new k8s.helm.v4.Chart(
    `${name}-device-plugin`,
    {
      chart: vendoredChartPath('nvidia-device-plugin'),
      version: NVIDIA_DEVICE_PLUGIN_CHART_VERSION,
      namespace: args.devicePluginNamespace ?? 'kube-system',
      values: { nfd: { enabled: false }, gfd: { enabled: false } },
    },
    { parent, dependsOn: [nodeGroup] },
  );
  return { nodeGroup, devicePlugin };
}
