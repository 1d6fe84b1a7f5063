import { ApiObject, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-33';
import { Construct } from 'constructs';
import { addPodDisruptionBudget, addTopologySpread } from '../common/disruption.js';
import { envVariables } from '../common/env-variables.js';
import { commonLabels, selectorLabels } from '../common/labels.js';
import {
  addPodSeccompProfile,
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
} from '../common/pod-security.js';
import {
  validateDns1123Label,
  validateImageReference,
  validateInteger,
} from '../common/validate.js';
import type { WorkloadPort } from '../common/workload-port.js';
import { validateWorkloadPort } from '../common/workload-port.js';
import {
  toContainerResources,
  validateWorkloadResources,
  type WorkloadResources,
} from '../common/workload-resources.js';
import { HttpGrant } from '../grants/http-grant.js';
import { type IMeshIdentity, MeshIdentity } from '../mesh/mesh-identity.js';
import type { IMeshNamespace } from '../mesh/mesh-namespace.js';
import type { IMeshWorkload } from '../mesh/mesh-workload.js';

/** The embedding APIs the embedder serves: text-embeddings-inference and OpenAI. */
export type EmbedderApi = 'tei' | 'openai';

const EMBED_PATHS: Readonly<Record<EmbedderApi, string>> = {
  tei: '/embed',
  openai: '/v1/embeddings',
};

export interface EmbedderInvokeOptions {
  /**
   * The APIs the grantee calls.
   * @default ['tei'] (`POST /embed`)
   */
  readonly apis?: readonly EmbedderApi[];
}

/** Where the embedder runs its model. */
export type EmbedderAccelerator = 'cpu' | 'gpu';

export interface EmbedderServiceProps {
  readonly namespace: IMeshNamespace;
  /** Container image, pinned by tag or digest. */
  readonly image: string;
  /**
   * Workload, ServiceAccount and Service name.
   * @default 'embedder'
   */
  readonly name?: string;
  /**
   * `cpu`, or `gpu` to request NVIDIA GPUs, tolerate the GPU taint, select GPU nodes and run
   * the CUDA execution provider.
   * @default 'cpu'
   */
  readonly accelerator?: EmbedderAccelerator;
  /**
   * GPUs per pod; only with `accelerator: 'gpu'`.
   * @default 1 on a GPU stack
   */
  readonly gpuCount?: number;
  /**
   * Node labels of GPU nodes.
   * @default { 'nvidia.com/gpu.present': 'true' }
   */
  readonly gpuNodeSelector?: Readonly<Record<string, string>>;
  /** @default 1 */
  readonly minReplicas?: number;
  /** @default - minReplicas */
  readonly maxReplicas?: number;
  /**
   * Average CPU utilization the autoscaler aims for.
   * @default 70
   */
  readonly targetCpuUtilizationPercent?: number;
  /**
   * Scale on CPU with a HorizontalPodAutoscaler. Turn it off when something else owns the
   * replica count (an `EmbedderQueueScaler`): on GPU nodes CPU says nothing about load.
   * @default true
   */
  readonly cpuAutoscaling?: boolean;
  /**
   * The HTTP port.
   * @default 8080
   */
  readonly port?: number;
  /** @default - 500m/1 GiB requested, 2 GiB memory limit */
  readonly resources?: WorkloadResources;
  /**
   * Model directory inside the image (model.onnx, tokenizer files, manifest.json).
   * @default '/opt/meshrag/model'
   */
  readonly modelDir?: string;
  /**
   * Extra environment variables.
   * @default - none
   */
  readonly env?: Readonly<Record<string, string>>;
}

const DEFAULT_RESOURCES: WorkloadResources = {
  cpuRequestMillis: 500,
  memoryRequestMiB: 1024,
  memoryLimitMiB: 2048,
};

/**
 * The embedding service: a Deployment with a TEI/OpenAI-compatible HTTP API, its Service
 * (`http-embed`), an HPA and its own mesh identity. Nothing may call it until granted.
 */
export class EmbedderService extends Construct implements IMeshWorkload {
  public static readonly PORT_NAME = 'http-embed';

  public readonly namespace: IMeshNamespace;
  public readonly workloadName: string;
  public readonly selectorLabels: Readonly<Record<string, string>>;
  public readonly ports: readonly WorkloadPort[];
  public readonly identity: MeshIdentity;
  public readonly accelerator: EmbedderAccelerator;
  public readonly gpuCount: number;
  public readonly minReplicas: number;
  public readonly maxReplicas: number;
  public readonly port: number;
  public readonly modelDir: string;
  /** In-cluster URL, e.g. `http://embedder.meshrag.svc:8080`. */
  public readonly url: string;
  public readonly deployment: kplus.Deployment;
  public readonly service: kplus.Service;
  /** The CPU autoscaler; undefined with `cpuAutoscaling: false`. */
  public readonly autoscaler: kplus.HorizontalPodAutoscaler | undefined;

  public constructor(scope: Construct, id: string, props: EmbedderServiceProps) {
    super(scope, id);
    this.namespace = props.namespace;
    this.workloadName = props.name ?? 'embedder';
    this.selectorLabels = selectorLabels(this.workloadName);
    this.accelerator = props.accelerator ?? 'cpu';
    this.gpuCount = props.gpuCount ?? (this.accelerator === 'gpu' ? 1 : 0);
    this.minReplicas = props.minReplicas ?? 1;
    this.maxReplicas = props.maxReplicas ?? this.minReplicas;
    this.port = props.port ?? 8080;
    this.modelDir = props.modelDir ?? '/opt/meshrag/model';
    this.ports = [{ name: EmbedderService.PORT_NAME, port: this.port, protocol: 'http' }];
    this.url = `http://${this.workloadName}.${this.namespace.name}.svc:${this.port}`;
    const resources = props.resources ?? DEFAULT_RESOURCES;
    const targetCpu = props.targetCpuUtilizationPercent ?? 70;

    validateDns1123Label('EmbedderService name', this.workloadName);
    validateImageReference('EmbedderService image', props.image);
    validateInteger('EmbedderService minReplicas', this.minReplicas, 1);
    validateInteger('EmbedderService maxReplicas', this.maxReplicas, this.minReplicas);
    validateInteger('EmbedderService targetCpuUtilizationPercent', targetCpu, 1, 100);
    validateWorkloadResources('EmbedderService', resources);
    for (const p of this.ports) validateWorkloadPort('EmbedderService', p);
    if (this.accelerator === 'cpu' && props.gpuCount !== undefined) {
      throw new Error(
        `EmbedderService: gpuCount ${props.gpuCount} on a CPU stack; set accelerator: 'gpu' or drop gpuCount`,
      );
    }
    if (this.accelerator === 'gpu')
      validateInteger('EmbedderService gpuCount', this.gpuCount, 1, 8);

    this.identity = new MeshIdentity(this, 'Identity', {
      namespace: this.namespace,
      name: this.workloadName,
    });

    const tmp = kplus.Volume.fromEmptyDir(this, 'Tmp', 'tmp', { sizeLimit: Size.mebibytes(256) });
    this.deployment = new kplus.Deployment(this, 'Resource', {
      metadata: {
        name: this.workloadName,
        namespace: this.namespace.name,
        labels: commonLabels(this.workloadName),
      },
      podMetadata: { labels: commonLabels(this.workloadName) },
      serviceAccount: this.identity.serviceAccount,
      automountServiceAccountToken: false,
      select: false,
      securityContext: restrictedPodSecurityContext(),
      containers: [
        {
          name: 'embedder',
          image: props.image,
          imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
          ports: [{ name: EmbedderService.PORT_NAME, number: this.port }],
          // Names as app/embedder/src/config.ts reads them.
          envVariables: envVariables({
            MESHRAG_EMBEDDER_HOST: '0.0.0.0',
            MESHRAG_EMBEDDER_PORT: String(this.port),
            MESHRAG_EMBEDDER_EXECUTION_PROVIDER: this.accelerator === 'gpu' ? 'cuda' : 'cpu',
            MESHRAG_EMBEDDER_MODEL_DIR: this.modelDir,
            ...props.env,
          }),
          resources: toContainerResources(resources),
          securityContext: restrictedContainerSecurityContext(),
          volumeMounts: [{ path: '/tmp', volume: tmp }],
          startup: kplus.Probe.fromHttpGet('/health', {
            port: this.port,
            periodSeconds: Duration.seconds(5),
            failureThreshold: 60,
          }),
          readiness: kplus.Probe.fromHttpGet('/health', {
            port: this.port,
            periodSeconds: Duration.seconds(5),
          }),
          liveness: kplus.Probe.fromHttpGet('/health', {
            port: this.port,
            periodSeconds: Duration.seconds(10),
          }),
        },
      ],
    });
    this.deployment.select(kplus.LabelSelector.of({ labels: { ...this.selectorLabels } }));
    addPodSeccompProfile(this.deployment);
    if (this.accelerator === 'gpu') this.scheduleOnGpu(props.gpuNodeSelector);
    addTopologySpread(this.deployment, this.selectorLabels);
    addPodDisruptionBudget(this, 'DisruptionBudget', {
      namespaceName: this.namespace.name,
      name: this.workloadName,
      selectorLabels: this.selectorLabels,
      maxUnavailable: 1,
    });

    this.service = new kplus.Service(this, 'Service', {
      metadata: {
        name: this.workloadName,
        namespace: this.namespace.name,
        labels: commonLabels(this.workloadName),
      },
      ports: [{ name: EmbedderService.PORT_NAME, port: this.port, targetPort: this.port }],
    });
    for (const [k, v] of Object.entries(this.selectorLabels)) this.service.selectLabel(k, v);

    this.autoscaler =
      props.cpuAutoscaling === false
        ? undefined
        : new kplus.HorizontalPodAutoscaler(this, 'Autoscaler', {
            metadata: { name: this.workloadName, namespace: this.namespace.name },
            target: this.deployment,
            minReplicas: this.minReplicas,
            maxReplicas: this.maxReplicas,
            metrics: [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(targetCpu))],
          });
  }

  /**
   * Lets the grantee call the embedding API, and nothing else: `POST /embed` (the
   * text-embeddings-inference API, what the consumer uses), plus `POST /v1/embeddings` when
   * asked for the OpenAI API.
   */
  public grantInvoke(grantee: IMeshIdentity, options: EmbedderInvokeOptions = {}): HttpGrant {
    const apis = options.apis ?? ['tei'];
    if (apis.length === 0) {
      throw new Error(`EmbedderService: invoke grant for ${grantee.principal} names no API`);
    }
    return new HttpGrant(this, `Invoke-${grantee.namespaceName}-${grantee.serviceAccountName}`, {
      target: this,
      grantee,
      name: 'invoke',
      portName: EmbedderService.PORT_NAME,
      operations: [{ methods: ['POST'], paths: [...new Set(apis)].map((api) => EMBED_PATHS[api]) }],
    });
  }

  /** Lets the grantee scrape `GET /metrics`. */
  public grantMetricsScrape(grantee: IMeshIdentity): HttpGrant {
    return new HttpGrant(this, `Metrics-${grantee.namespaceName}-${grantee.serviceAccountName}`, {
      target: this,
      grantee,
      name: 'metrics',
      portName: EmbedderService.PORT_NAME,
      operations: [{ methods: ['GET'], paths: ['/metrics'] }],
    });
  }

  /** GPU request, the NVIDIA taint toleration, and GPU nodes only. */
  private scheduleOnGpu(nodeSelector: Readonly<Record<string, string>> | undefined): void {
    // Patches apply before the L1 Deployment renders quantities, so the value is a Quantity.
    ApiObject.of(this.deployment).addJsonPatch(
      JsonPatch.add(
        '/spec/template/spec/containers/0/resources/limits/nvidia.com~1gpu',
        kplus.k8s.Quantity.fromNumber(this.gpuCount),
      ),
      JsonPatch.add('/spec/template/spec/nodeSelector', {
        ...(nodeSelector ?? { 'nvidia.com/gpu.present': 'true' }),
      }),
      JsonPatch.add('/spec/template/spec/tolerations', [
        { key: 'nvidia.com/gpu', operator: 'Equal', value: 'true', effect: 'NoSchedule' },
      ]),
    );
  }
}
