/**
 * The meshrag Pulumi program, as a function of the typed stack config so tests can run it
 * under mocks: the cluster (adopted or EKS), the GPU pool where the stack asks for one, the
 * images, and the platform; returns the stack outputs.
 */
import type * as pulumi from '@pulumi/pulumi';
import { GpuNodePool } from '../components/gpu-node-pool.js';
import { KubernetesCluster } from '../components/kubernetes-cluster.js';
import { MeshragPlatform } from '../components/meshrag-platform.js';
import { ServiceImage } from '../components/service-image.js';
import type { StackConfig } from '../stacks/stack-config.js';

export interface MeshragProgramOptions {
  /** Kubeconfig contents or path for an existing cluster (`meshrag:kubeconfig`). */
  readonly kubeconfig?: pulumi.Input<string>;
  /** The repository root, the images' build context. @default process.cwd() */
  readonly repositoryRoot?: string;
}

export interface MeshragProgramOutputs {
  readonly kubeconfig: pulumi.Output<string | undefined>;
  readonly namespaces: { readonly app: string; readonly kafka: string };
  readonly kafkaBootstrap: pulumi.Output<string>;
  readonly images: {
    readonly embedder: pulumi.Output<string>;
    readonly consumer: pulumi.Output<string>;
  };
  readonly imageDigests: {
    readonly embedder: pulumi.Output<string>;
    readonly consumer: pulumi.Output<string>;
  };
}

/** Which Dockerfile stage the embedder builds: the CUDA one on GPU stacks. */
export function embedderTarget(config: StackConfig): string {
  return config.embedder.accelerator === 'gpu' ? 'runtime-cuda' : 'runtime';
}

export function meshragProgram(
  config: StackConfig,
  options: MeshragProgramOptions = {},
): MeshragProgramOutputs {
  const { deploy } = config;
  const cluster = new KubernetesCluster(
    'cluster',
    deploy.cluster.provider === 'eks'
      ? {
          eks: {
            nodeInstanceTypes: deploy.cluster.nodeInstanceTypes,
            nodeMinSize: deploy.cluster.nodeMinSize,
            nodeMaxSize: deploy.cluster.nodeMaxSize,
            nodeDesiredSize: deploy.cluster.nodeDesiredSize,
            ...(deploy.cluster.kubernetesVersion === undefined
              ? {}
              : { kubernetesVersion: deploy.cluster.kubernetesVersion }),
            ...(deploy.cluster.vpcCidr === undefined ? {} : { vpcCidr: deploy.cluster.vpcCidr }),
          },
        }
      : {
          existing: {
            ...(options.kubeconfig === undefined ? {} : { kubeconfig: options.kubeconfig }),
            ...(deploy.cluster.context === undefined ? {} : { context: deploy.cluster.context }),
          },
        },
  );
  const providers = { kubernetes: cluster.provider };

  const gpuPools: pulumi.Resource[] = [];
  if (deploy.gpuNodePool !== undefined) {
    if (cluster.eks === undefined) {
      throw new Error(
        `stack ${config.name}: gpuNodePool needs an EKS cluster (cluster.provider: eks)`,
      );
    }
    const pool = deploy.gpuNodePool;
    gpuPools.push(
      new GpuNodePool(
        'gpu',
        {
          cluster: cluster.eks.cluster,
          nodeRole: cluster.eks.nodeRole,
          subnetIds: cluster.eks.privateSubnetIds,
          instanceTypes: pool.instanceTypes,
          minSize: pool.minSize,
          desiredSize: pool.desiredSize,
          maxSize: pool.maxSize,
          ...(pool.diskSizeGiB === undefined ? {} : { diskSizeGiB: pool.diskSizeGiB }),
        },
        { providers },
      ),
    );
  }

  const root = options.repositoryRoot ?? process.cwd();
  const image = (service: 'embedder' | 'consumer', target: string) =>
    new ServiceImage(
      `${service}-image`,
      deploy.images.source === 'build'
        ? {
            build: {
              context: root,
              dockerfile: `${root}/app/${service}/Dockerfile`,
              target,
              registry: deploy.images.registry,
              repository: `meshrag-${service}`,
            },
          }
        : { imageRef: config.images[service] },
    );
  const embedder = image('embedder', embedderTarget(config));
  const consumer = image('consumer', 'runtime');

  const platform = new MeshragPlatform(
    'meshrag',
    {
      config,
      images: { embedder: embedder.ref, consumer: consumer.ref },
      skipAwait: deploy.skipAwait,
    },
    { providers, dependsOn: gpuPools },
  );

  return {
    kubeconfig: cluster.kubeconfig,
    namespaces: { ...config.namespaces },
    kafkaBootstrap: platform.kafkaBootstrap,
    images: { embedder: embedder.ref, consumer: consumer.ref },
    imageDigests: { embedder: embedder.digest, consumer: consumer.digest },
  };
}
