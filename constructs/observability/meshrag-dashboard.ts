/**
 * The meshrag Grafana dashboard, as data: one panel per question an operator asks of the
 * pipeline. Every expression names only metrics meshrag's services export (or, where marked,
 * the NVIDIA DCGM exporter's); a test scrapes the running services for each of them.
 */

export interface DashboardPanel {
  readonly title: string;
  readonly unit: string;
  /** PromQL, one series per legend. */
  readonly targets: readonly { readonly expr: string; readonly legend: string }[];
}

/** The app namespace's series: `namespace` is set by Prometheus from the scraped pod. */
export function meshragPanels(namespace: string): DashboardPanel[] {
  const ns = `namespace="${namespace}"`;
  const p95 = (metric: string, by = '') =>
    `histogram_quantile(0.95, sum by (le${by}) (rate(${metric}_bucket{${ns}}[5m])))`;
  return [
    {
      title: 'Ingest rate (records/s by outcome)',
      unit: 'ops',
      targets: [
        {
          expr: `sum by (outcome) (rate(meshrag_consumer_records_total{${ns}}[5m]))`,
          legend: '{{outcome}}',
        },
        {
          expr: `sum(rate(meshrag_consumer_chunks_embedded_total{${ns}}[5m]))`,
          legend: 'chunks embedded',
        },
      ],
    },
    {
      title: 'Consumer lag per partition (records)',
      unit: 'short',
      targets: [
        {
          expr: `max by (topic, partition) (meshrag_consumer_lag{${ns}})`,
          legend: '{{topic}}/{{partition}}',
        },
      ],
    },
    {
      title: 'Embed latency p95 (s)',
      unit: 's',
      targets: [
        { expr: p95('meshrag_embed_inference_seconds'), legend: 'model run' },
        { expr: p95('meshrag_embed_queue_seconds'), legend: 'queue wait' },
        { expr: p95('meshrag_consumer_embed_seconds'), legend: 'consumer round trip' },
      ],
    },
    {
      title: 'Embed batch size p50/p95 (inputs per model run)',
      unit: 'short',
      targets: [
        {
          expr: `histogram_quantile(0.5, sum by (le) (rate(meshrag_embed_batch_size_bucket{${ns}}[5m])))`,
          legend: 'p50',
        },
        { expr: p95('meshrag_embed_batch_size'), legend: 'p95' },
      ],
    },
    {
      title: 'Embedder queue depth (inputs waiting)',
      unit: 'short',
      targets: [{ expr: `sum by (pod) (meshrag_embed_queue_depth{${ns}})`, legend: '{{pod}}' }],
    },
    {
      title: 'Embedder responses (req/s by status)',
      unit: 'reqps',
      targets: [
        {
          expr: `sum by (status) (rate(meshrag_embed_requests_total{${ns}}[5m]))`,
          legend: '{{status}}',
        },
      ],
    },
    {
      title: 'Chroma upsert latency p95 (s)',
      unit: 's',
      targets: [{ expr: p95('meshrag_consumer_upsert_seconds'), legend: 'upsert' }],
    },
    {
      title: 'Dead letters (records/s by reason)',
      unit: 'ops',
      targets: [
        {
          expr: `sum by (reason) (rate(meshrag_consumer_dlq_total{${ns}}[5m]))`,
          legend: '{{reason}}',
        },
      ],
    },
    {
      // From NVIDIA's DCGM exporter, on GPU nodes only: empty on CPU stacks.
      title: 'GPU utilisation (%, embedder pods)',
      unit: 'percent',
      targets: [
        {
          expr: `avg by (pod) (DCGM_FI_DEV_GPU_UTIL{${ns}, container="embedder"})`,
          legend: '{{pod}}',
        },
      ],
    },
  ];
}

/** A Grafana dashboard model (schema 39) with a Prometheus data source variable. */
export function grafanaDashboard(
  uid: string,
  title: string,
  panels: readonly DashboardPanel[],
): Record<string, unknown> {
  // Grafana's variable syntax, resolved by Grafana, not by JavaScript.
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a Grafana variable reference
  const datasource = { type: 'prometheus', uid: '${datasource}' };
  return {
    uid,
    title,
    tags: ['meshrag'],
    schemaVersion: 39,
    timezone: 'utc',
    refresh: '30s',
    time: { from: 'now-6h', to: 'now' },
    templating: {
      list: [{ name: 'datasource', type: 'datasource', query: 'prometheus', label: 'Prometheus' }],
    },
    panels: panels.map((panel, i) => ({
      id: i + 1,
      type: 'timeseries',
      title: panel.title,
      datasource,
      gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
      fieldConfig: { defaults: { unit: panel.unit }, overrides: [] },
      targets: panel.targets.map((t, j) => ({
        refId: String.fromCharCode(65 + j),
        datasource,
        expr: t.expr,
        legendFormat: t.legend,
      })),
    })),
  };
}
