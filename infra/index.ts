/**
 * `pulumi up -s <stack>`: reads `stacks/Pulumi.<stack>.yaml` (the `meshrag:` keys), validates
 * it into the typed stack config, and deploys it. Stack outputs: kubeconfig (secret),
 * namespaces, kafkaBootstrap, images and imageDigests.
 */
import * as pulumi from '@pulumi/pulumi';
import { resolveStackConfig } from '../stacks/pulumi-stack-config.js';
import { meshragProgram } from './meshrag-program.js';

const config = resolveStackConfig(pulumi.getStack(), pulumi.runtime.allConfig());
const kubeconfigSetting = new pulumi.Config('meshrag').getSecret('kubeconfig');
const outputs = meshragProgram(
  config,
  kubeconfigSetting === undefined ? {} : { kubeconfig: kubeconfigSetting },
);

export const kubeconfig = outputs.kubeconfig;
export const namespaces = outputs.namespaces;
export const kafkaBootstrap = outputs.kafkaBootstrap;
export const images = outputs.images;
export const imageDigests = outputs.imageDigests;
