/** Settings every stack shares unless it says otherwise. */
import type { StackConfig } from './stack-config.js';

export const DEFAULT_IMAGES: StackConfig['images'] = {
  embedder: 'ghcr.io/meshrag/embedder:0.1.0',
  consumer: 'ghcr.io/meshrag/consumer:0.1.0',
  chroma: 'chromadb/chroma:1.0.0',
};

export const DEFAULT_NAMESPACES: StackConfig['namespaces'] = { app: 'meshrag', kafka: 'kafka' };

export const DEFAULT_MONITORING: StackConfig['monitoring'] = {
  namespace: 'monitoring',
  serviceAccountName: 'prometheus',
  podLabels: { 'app.kubernetes.io/name': 'prometheus' },
  // kube-prometheus-stack selects monitors and rules by its release label.
  selectorLabels: { release: 'kube-prometheus-stack' },
  // The Service the Prometheus Operator puts in front of every Prometheus it runs.
  prometheusUrl: 'http://prometheus-operated.monitoring.svc:9090',
};

export const KAFKA_VERSION = '4.3.1';

export const DAY_MS = 24 * 60 * 60 * 1000;
