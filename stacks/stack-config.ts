/**
 * What differs between stacks, as typed data: the in-cluster part is the constructs' own
 * `MeshragStackConfig` (constructs never import this folder; callers pass the config in), and
 * `deploy` says how the Pulumi program gets it onto a cluster.
 */
import type { MeshragStackConfig } from '../constructs/meshrag-stack-config.js';

/** An existing cluster, reached through a kubeconfig (no cloud account needed). */
export interface KubeconfigClusterSettings {
  readonly provider: 'kubeconfig';
  /**
   * The kubeconfig context to use.
   * @default - the kubeconfig's current context
   */
  readonly context?: string;
}

/** A new EKS cluster in its own VPC, with a CPU managed node group. */
export interface EksClusterSettings {
  readonly provider: 'eks';
  /** @default - EKS's default version */
  readonly kubernetesVersion?: string;
  /** @default '10.0.0.0/16' */
  readonly vpcCidr?: string;
  /** Instance types of the CPU node group, e.g. `['m6i.xlarge']`. */
  readonly nodeInstanceTypes: readonly string[];
  readonly nodeMinSize: number;
  readonly nodeMaxSize: number;
  readonly nodeDesiredSize: number;
}

export type ClusterSettings = KubeconfigClusterSettings | EksClusterSettings;

/** An EKS managed node group of NVIDIA GPU nodes (EKS stacks only). */
export interface GpuNodePoolSettings {
  /** GPU instance types, e.g. `['g5.xlarge']`. */
  readonly instanceTypes: readonly string[];
  readonly minSize: number;
  readonly maxSize: number;
  readonly desiredSize: number;
  /** @default 100 */
  readonly diskSizeGiB?: number;
}

/** Where the embedder and consumer images come from. */
export type ImageSettings =
  /** Images named in `images` (a tag you loaded into the cluster, or a digest): no build. */
  | { readonly source: 'prebuilt' }
  /**
   * Build `app/embedder` and `app/consumer` with BuildKit and push them: to a new ECR
   * repository per service (`'ecr'`), or to `<registry>/meshrag-<service>`.
   */
  | { readonly source: 'build'; readonly registry: string };

export interface DeploySettings {
  readonly cluster: ClusterSettings;
  /** @default - no GPU nodes */
  readonly gpuNodePool?: GpuNodePoolSettings;
  readonly images: ImageSettings;
  /**
   * Add `pulumi.com/skipAwait: "true"` to every applied object, for API servers without nodes
   * (nothing ever becomes Ready there). The Strimzi CA copy is then skipped, since no operator
   * runs to write the CA.
   * @default false
   */
  readonly skipAwait: boolean;
}

export type StackConfig = MeshragStackConfig & { readonly deploy: DeploySettings };
