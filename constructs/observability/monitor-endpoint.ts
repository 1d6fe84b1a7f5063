/**
 * How Prometheus reaches a metrics port. meshrag's Prometheus runs in the mesh and scrapes
 * meshed workloads through their sidecars with its own Istio workload certificate (written to
 * a volume by its sidecar), so the target's sidecar sees Prometheus's principal and the
 * `grantMetricsScrape` AuthorizationPolicy decides. Istio's merged-metrics alternative
 * (plain text on 15020, outside AuthorizationPolicy) is not used: nothing would authorise it.
 * @see https://istio.io/latest/docs/ops/integrations/prometheus/#tls-settings
 */
export const ISTIO_CERT_DIR = '/etc/prom-certs';

/** The `scheme` and `tlsConfig` of a scrape through a sidecar with Istio's certificates. */
export function meshScrapeTls(): Record<string, unknown> {
  return {
    scheme: 'https',
    tlsConfig: {
      caFile: `${ISTIO_CERT_DIR}/root-cert.pem`,
      certFile: `${ISTIO_CERT_DIR}/cert-chain.pem`,
      keyFile: `${ISTIO_CERT_DIR}/key.pem`,
      // Istio certificates carry a SPIFFE id, not a DNS name; the CA still authenticates.
      insecureSkipVerify: true,
    },
  };
}
