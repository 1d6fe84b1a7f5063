import { describe, expect, it } from 'vitest';
import { analyzeReachability } from '../../../../analysis/reachability/analyze-reachability.js';
import { edgeKey } from '../../../../analysis/reachability/reachability-edge.js';
import { renderStack } from '../../../../constructs/render/render-stack.js';
import { getStack } from '../../../../stacks/stack-registry.js';
import { validateManifest } from '../../../helpers/manifest-schemas.js';

// biome-ignore lint/suspicious/noExplicitAny: rendered JSON, read field by field
type Obj = { kind: string; metadata: any; spec: any; data?: Record<string, string> };

describe('MeshragObservability (prod)', { timeout: 30_000 }, () => {
  const objects = renderStack(getStack('prod')).objects as unknown as Obj[];
  const find = (kind: string, name: string) => {
    const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
    if (found === undefined) throw new Error(`no ${kind} ${name}`);
    return found;
  };

  it('scrapes the embedder and consumer through their sidecars with Istio certificates', () => {
    for (const [name, port] of [
      ['embedder', 'http-embed'],
      ['consumer', 'http-metrics'],
    ]) {
      const monitor = find('ServiceMonitor', name as string);
      expect(monitor.metadata).toMatchObject({
        namespace: 'meshrag',
        labels: { release: 'kube-prometheus-stack' },
      });
      expect(monitor.spec.selector).toEqual({ matchLabels: { 'app.kubernetes.io/name': name } });
      expect(monitor.spec.endpoints).toEqual([
        {
          port,
          path: '/metrics',
          interval: '30s',
          scheme: 'https',
          tlsConfig: {
            caFile: '/etc/prom-certs/root-cert.pem',
            certFile: '/etc/prom-certs/cert-chain.pem',
            keyFile: '/etc/prom-certs/key.pem',
            insecureSkipVerify: true,
          },
        },
      ]);
    }
  });

  it('scrapes the Kafka Exporter, which the Kafka resource runs out of the mesh', () => {
    const monitor = find('PodMonitor', 'meshrag-kafka-exporter');
    expect(monitor.metadata.namespace).toBe('kafka');
    expect(monitor.spec.selector.matchLabels).toEqual({
      'strimzi.io/name': 'meshrag-kafka-exporter',
    });
    expect(monitor.spec.podMetricsEndpoints[0]).toMatchObject({
      port: 'tcp-prometheus',
      scheme: 'http',
    });
    const exporter = find('Kafka', 'meshrag').spec.kafkaExporter;
    expect(exporter).toMatchObject({ topicRegex: '.*', groupRegex: '.*' });
    expect(exporter.template.pod.metadata.labels['sidecar.istio.io/inject']).toBe('false');
    const ingress = find('NetworkPolicy', 'meshrag-kafka-exporter-from-prometheus-9404');
    expect(ingress.spec.podSelector.matchLabels).toEqual({
      'strimzi.io/name': 'meshrag-kafka-exporter',
    });
    expect(ingress.spec.ingress[0].ports).toEqual([{ protocol: 'TCP', port: 9404 }]);
  });

  it('ships the meshrag dashboard as a ConfigMap Grafana picks up, with every panel on a meshrag (or DCGM) metric', () => {
    const map = find('ConfigMap', 'meshrag-dashboard');
    expect(map.metadata.labels.grafana_dashboard).toBe('1');
    const dashboard = JSON.parse(map.data?.['meshrag.json'] ?? '{}');
    const titles = dashboard.panels.map((p: { title: string }) => p.title);
    for (const wanted of [
      /Ingest rate/,
      /lag per partition/,
      /Embed latency/,
      /batch size/,
      /upsert latency/,
      /Dead letters/,
      /GPU utilisation/,
    ]) {
      expect(
        titles.some((t: string) => wanted.test(t)),
        String(wanted),
      ).toBe(true);
    }
    for (const panel of dashboard.panels) {
      for (const target of panel.targets) {
        expect(target.expr).toMatch(
          /\b(meshrag_[a-z_]+|DCGM_FI_DEV_GPU_UTIL)\{namespace="meshrag"/,
        );
      }
    }
  });

  it('alerts on growing lag, dead letters, embedder 429/5xx and consumer restarts', () => {
    const rule = find('PrometheusRule', 'meshrag');
    const rules = rule.spec.groups[0].rules;
    expect(rules.map((r: { alert: string }) => r.alert)).toEqual([
      'MeshragConsumerLagGrowing',
      'MeshragDeadLetters',
      'MeshragEmbedderRejecting',
      'MeshragConsumerRestarting',
    ]);
    expect(rules[0]).toMatchObject({ for: '10m', labels: { severity: 'warning' } });
    expect(rules[2].expr).toContain('status=~"429|5.."');
  });

  it('validates every monitoring object against the vendored Prometheus Operator CRDs', () => {
    const kinds = ['ServiceMonitor', 'PodMonitor', 'PrometheusRule', 'ConfigMap'];
    const checked = objects.filter((o) => kinds.includes(o.kind));
    expect(new Set(checked.map((o) => o.kind))).toEqual(new Set(kinds));
    for (const o of checked) expect(validateManifest(o as never)).toEqual([]);
  });

  it('scrapes the Kafka nodes JMX metrics with a PodMonitor, and only Prometheus reaches 9404', () => {
    expect(find('PodMonitor', 'meshrag-kafka').spec).toMatchObject({
      selector: {
        matchLabels: {
          'strimzi.io/cluster': 'meshrag',
          'strimzi.io/kind': 'Kafka',
          'strimzi.io/component-type': 'kafka',
        },
      },
      podMetricsEndpoints: [{ port: 'tcp-prometheus' }],
    });
    const keys = analyzeReachability(renderStack(getStack('prod')).objects as never).edges.map(
      edgeKey,
    );
    expect(keys.filter((k) => k.includes(':9404 '))).toEqual([
      'cluster.local/ns/monitoring/sa/prometheus -> kafka/meshrag-broker:9404 tcp',
      'cluster.local/ns/monitoring/sa/prometheus -> kafka/meshrag-controller:9404 tcp',
      'cluster.local/ns/monitoring/sa/prometheus -> kafka/meshrag-kafka-exporter:9404 tcp',
    ]);
  });
});
