import { ApiObject } from 'cdk8s';
import * as kplus from 'cdk8s-plus-33';
import { Construct } from 'constructs';
import type { IngestionConsumer } from '../consumer/ingestion-consumer.js';
import type { EmbedderService } from '../embedder/embedder-service.js';
import type { KafkaCluster } from '../kafka/kafka-cluster.js';
import { type AlertRule, meshragAlerts } from './meshrag-alerts.js';
import { grafanaDashboard, meshragPanels } from './meshrag-dashboard.js';
import { PodMonitor } from './pod-monitor.js';
import { ServiceMonitor } from './service-monitor.js';

/** The label Grafana's dashboard sidecar looks for (the Grafana chart's default). */
export const GRAFANA_DASHBOARD_LABEL = 'grafana_dashboard';

export interface MeshragObservabilityProps {
  readonly embedder: EmbedderService;
  readonly consumer: IngestionConsumer;
  readonly kafka: KafkaCluster;
  /**
   * Labels the cluster's Prometheus selects monitors and rules by
   * (kube-prometheus-stack: `release: <release name>`).
   * @default - none
   */
  readonly selectorLabels?: Readonly<Record<string, string>>;
}

/**
 * What a Prometheus Operator and Grafana need to watch meshrag: ServiceMonitors for the
 * embedder and the consumer (scraped through their sidecars, authorised by the
 * `grantMetricsScrape` grants), PodMonitors for Strimzi's Kafka Exporter (consumer group lag)
 * and, when on, the Kafka nodes' JMX metrics, the meshrag dashboard as a ConfigMap, and the
 * alerts as a PrometheusRule. Strimzi's own Kafka dashboards come with its chart
 * (`dashboards.enabled`).
 */
export class MeshragObservability extends Construct {
  public readonly alerts: readonly AlertRule[];
  public readonly dashboard: Record<string, unknown>;

  public constructor(scope: Construct, id: string, props: MeshragObservabilityProps) {
    super(scope, id);
    const { embedder, consumer, kafka } = props;
    const labels = { ...props.selectorLabels };
    const namespace = embedder.namespace.name;

    for (const [childId, workload, portName] of [
      ['Embedder', embedder, embedder.ports[0]?.name ?? 'http-embed'],
      ['Consumer', consumer, consumer.ports[0]?.name ?? 'http-metrics'],
    ] as const) {
      new ServiceMonitor(this, childId, {
        namespaceName: workload.namespace.name,
        name: workload.workloadName,
        selectorLabels: workload.selectorLabels,
        portName,
        meshed: workload.namespace.sidecarInjection,
        labels,
      });
    }
    if (kafka.kafkaExporterPodLabels !== undefined) {
      new PodMonitor(this, 'KafkaExporter', {
        namespaceName: kafka.namespaceName,
        name: `${kafka.name}-kafka-exporter`,
        selectorLabels: kafka.kafkaExporterPodLabels,
        portName: 'tcp-prometheus',
        labels,
      });
    }
    if (kafka.brokerMetrics) {
      new PodMonitor(this, 'KafkaNodes', {
        namespaceName: kafka.namespaceName,
        name: `${kafka.name}-kafka`,
        selectorLabels: {
          'strimzi.io/cluster': kafka.name,
          'strimzi.io/kind': 'Kafka',
          'strimzi.io/component-type': 'kafka',
        },
        portName: 'tcp-prometheus',
        labels,
      });
    }

    this.dashboard = grafanaDashboard('meshrag', 'meshrag pipeline', meshragPanels(namespace));
    new kplus.k8s.KubeConfigMap(this, 'Dashboard', {
      metadata: {
        name: 'meshrag-dashboard',
        namespace,
        labels: { [GRAFANA_DASHBOARD_LABEL]: '1', ...labels },
      },
      data: { 'meshrag.json': JSON.stringify(this.dashboard, null, 2) },
    });

    this.alerts = meshragAlerts(namespace, consumer.workloadName);
    new ApiObject(this, 'Alerts', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { name: 'meshrag', namespace, labels },
      spec: {
        groups: [
          {
            name: 'meshrag',
            rules: this.alerts.map((rule) => ({
              alert: rule.alert,
              expr: rule.expr,
              for: rule.for,
              labels: { severity: rule.severity },
              annotations: { summary: rule.summary },
            })),
          },
        ],
      },
    });
  }
}
