import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { meshScrapeTls } from './monitor-endpoint.js';

export interface ServiceMonitorProps {
  readonly namespaceName: string;
  /** Also the name of the Service it selects the pods through. */
  readonly name: string;
  readonly selectorLabels: Readonly<Record<string, string>>;
  /** The Service port name serving `/metrics`. */
  readonly portName: string;
  /** Scrape through the pods' sidecars with Istio certificates. */
  readonly meshed: boolean;
  /**
   * Labels the Prometheus selects monitors by (e.g. `release: kube-prometheus-stack`).
   * @default - none
   */
  readonly labels?: Readonly<Record<string, string>>;
  /** @default '30s' */
  readonly interval?: string;
}

/**
 * A Prometheus Operator ServiceMonitor for one meshrag Service's `/metrics`.
 * @see https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.ServiceMonitor
 */
export class ServiceMonitor extends Construct {
  public constructor(scope: Construct, id: string, props: ServiceMonitorProps) {
    super(scope, id);
    new ApiObject(this, 'Resource', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name: props.name, namespace: props.namespaceName, labels: { ...props.labels } },
      spec: {
        selector: { matchLabels: { ...props.selectorLabels } },
        namespaceSelector: { matchNames: [props.namespaceName] },
        endpoints: [
          {
            port: props.portName,
            path: '/metrics',
            interval: props.interval ?? '30s',
            ...(props.meshed ? meshScrapeTls() : { scheme: 'http' }),
          },
        ],
      },
    });
  }
}
