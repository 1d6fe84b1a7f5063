/**
 * Another team's pipeline built from meshrag's components: the dev stack's shape under the
 * team's own names (namespaces, Kafka cluster, consumer group), on an existing cluster, with
 * images it built itself. It imports `meshrag/components` and `meshrag/stacks` as any program
 * depending on the package would.
 */
import type * as pulumi from '@pulumi/pulumi';
import { KubernetesCluster, MeshragPlatform } from 'meshrag/components';
import { dev } from 'meshrag/stacks';

export interface TenantPipelineArgs {
  /** The tenant's name: its namespaces are `<tenant>` and `<tenant>-kafka`. */
  readonly tenant: string;
  /** Prebuilt images, pinned by digest. */
  readonly images: { readonly embedder: string; readonly consumer: string };
  /** @default - `$KUBECONFIG`, else `~/.kube/config` */
  readonly kubeconfig?: pulumi.Input<string>;
  /** @default false */
  readonly skipAwait?: boolean;
}

export function tenantPipeline(args: TenantPipelineArgs) {
  const { tenant } = args;
  const cluster = new KubernetesCluster(`${tenant}-cluster`, {
    existing: args.kubeconfig === undefined ? {} : { kubeconfig: args.kubeconfig },
  });
  const platform = new MeshragPlatform(
    tenant,
    {
      config: {
        ...dev,
        name: tenant,
        namespaces: { app: tenant, kafka: `${tenant}-kafka` },
        kafka: { ...dev.kafka, clusterName: tenant },
        consumer: { ...dev.consumer, groupId: `${tenant}-ingest` },
      },
      images: args.images,
      skipAwait: args.skipAwait ?? false,
    },
    { providers: { kubernetes: cluster.provider } },
  );
  return { namespaces: platform.namespaces, kafkaBootstrap: platform.kafkaBootstrap };
}
