import { ApiObject, JsonPatch } from 'cdk8s';
import { Construct } from 'constructs';
import { validateInteger } from '../common/validate.js';
import type { EmbedderService } from '../embedder/embedder-service.js';

export interface EmbedderQueueScalerProps {
  readonly embedder: EmbedderService;
  /** Base URL of the Prometheus that scrapes the embedder. */
  readonly prometheusServerAddress: string;
  /**
   * Inputs waiting for a model run per replica KEDA aims for.
   * @default 64
   */
  readonly queueDepthPerReplica?: number;
}

/**
 * A KEDA ScaledObject that sizes the embedder by its own queue depth
 * (`meshrag_embed_queue_depth`, inputs waiting for a model run), not CPU: on a GPU node the
 * CPU says nothing about how busy the model is, while a growing queue is exactly "too few
 * replicas". Replaces the CPU HorizontalPodAutoscaler (build the embedder with
 * `cpuAutoscaling: false`); the Deployment's `replicas` is dropped so KEDA's HPA alone owns it.
 * @see https://keda.sh/docs/latest/scalers/prometheus/
 */
export class EmbedderQueueScaler extends Construct {
  public readonly query: string;

  public constructor(scope: Construct, id: string, props: EmbedderQueueScalerProps) {
    super(scope, id);
    const { embedder } = props;
    const perReplica = props.queueDepthPerReplica ?? 64;
    validateInteger('EmbedderQueueScaler queueDepthPerReplica', perReplica, 1);
    if (embedder.autoscaler !== undefined) {
      throw new Error(
        'EmbedderQueueScaler: the embedder already has a CPU autoscaler; build it with cpuAutoscaling: false',
      );
    }
    if (!/^https?:\/\/[^\s]+$/.test(props.prometheusServerAddress)) {
      throw new Error(
        `EmbedderQueueScaler: prometheusServerAddress '${props.prometheusServerAddress}' must be an http(s) URL`,
      );
    }
    this.query = `sum(meshrag_embed_queue_depth{namespace="${embedder.namespace.name}", service="${embedder.workloadName}"})`;
    new ApiObject(this, 'Resource', {
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      metadata: { name: embedder.workloadName, namespace: embedder.namespace.name },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: embedder.workloadName },
        minReplicaCount: embedder.minReplicas,
        maxReplicaCount: embedder.maxReplicas,
        triggers: [
          {
            type: 'prometheus',
            metadata: {
              serverAddress: props.prometheusServerAddress,
              query: this.query,
              threshold: String(perReplica),
            },
          },
        ],
      },
    });
    ApiObject.of(embedder.deployment).addJsonPatch(JsonPatch.remove('/spec/replicas'));
  }
}
