import * as pulumi from '@pulumi/pulumi';
import { tenantPipeline } from './tenant-pipeline.js';

const config = new pulumi.Config();
const kubeconfig = config.getSecret('kubeconfig');
const pipeline = tenantPipeline({
  tenant: config.require('tenant'),
  images: { embedder: config.require('embedderImage'), consumer: config.require('consumerImage') },
  ...(kubeconfig === undefined ? {} : { kubeconfig }),
  skipAwait: config.getBoolean('skipAwait') ?? false,
});

export const namespaces = pipeline.namespaces;
export const kafkaBootstrap = pipeline.kafkaBootstrap;
