import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';

export interface PodMonitorProps {
  readonly namespaceName: string;
  readonly name: string;
  readonly selectorLabels: Readonly<Record<string, string>>;
  /** The container port name serving metrics. */
  readonly portName: string;
  /** @default '/metrics' */
  readonly path?: string;
  /** @default - none */
  readonly labels?: Readonly<Record<string, string>>;
  /** @default '30s' */
  readonly interval?: string;
}

/**
 * A Prometheus Operator PodMonitor, for pods without a Service of their own port (Strimzi's
 * Kafka nodes and Kafka Exporter, out of the mesh: scraped in plain HTTP, and reachable only
 * where a NetworkPolicy lets Prometheus in).
 * @see https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.PodMonitor
 */
export class PodMonitor extends Construct {
  public constructor(scope: Construct, id: string, props: PodMonitorProps) {
    super(scope, id);
    new ApiObject(this, 'Resource', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PodMonitor',
      metadata: { name: props.name, namespace: props.namespaceName, labels: { ...props.labels } },
      spec: {
        selector: { matchLabels: { ...props.selectorLabels } },
        namespaceSelector: { matchNames: [props.namespaceName] },
        podMetricsEndpoints: [
          {
            port: props.portName,
            path: props.path ?? '/metrics',
            interval: props.interval ?? '30s',
            scheme: 'http',
          },
        ],
      },
    });
  }
}
