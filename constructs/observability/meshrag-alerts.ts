/** One Prometheus alerting rule. */
export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  /** How long the condition must hold, e.g. `10m`. */
  readonly for: string;
  readonly severity: 'warning' | 'critical';
  readonly summary: string;
}

/**
 * meshrag's alerts: lag that keeps growing, anything dead-lettered, the embedder refusing or
 * failing requests, a consumer that keeps restarting. Restarts come from kube-state-metrics
 * (every Prometheus Operator install runs it); the rest from meshrag's own metrics.
 */
export function meshragAlerts(namespace: string, consumerName: string): AlertRule[] {
  const ns = `namespace="${namespace}"`;
  return [
    {
      alert: 'MeshragConsumerLagGrowing',
      expr: `sum(meshrag_consumer_lag{${ns}}) > 0 and deriv(sum(meshrag_consumer_lag{${ns}})[10m:1m]) > 0`,
      for: '10m',
      severity: 'warning',
      summary: 'Consumer lag on documents.parsed has grown for 10 minutes',
    },
    {
      alert: 'MeshragDeadLetters',
      expr: `sum(rate(meshrag_consumer_dlq_total{${ns}}[5m])) > 0`,
      for: '0m',
      severity: 'warning',
      summary: 'Records are going to documents.dlq: read them with `meshrag dlq`',
    },
    {
      alert: 'MeshragEmbedderRejecting',
      expr: `sum(rate(meshrag_embed_requests_total{${ns}, status=~"429|5.."}[5m])) / sum(rate(meshrag_embed_requests_total{${ns}}[5m])) > 0.05`,
      for: '5m',
      severity: 'warning',
      summary: 'Over 5% of embed requests answered 429 (overloaded) or 5xx',
    },
    {
      alert: 'MeshragConsumerRestarting',
      expr: `increase(kube_pod_container_status_restarts_total{${ns}, container="${consumerName}"}[15m]) > 2`,
      for: '0m',
      severity: 'critical',
      summary: 'A consumer container restarted more than twice in 15 minutes',
    },
  ];
}
