/**
 * Small hand-written manifests for the reachability tests: plain objects shaped exactly like
 * rendered YAML, so each test states the few fields its rule depends on.
 */
import type { ManifestObject } from '../../../../analysis/reachability/manifest-object.js';

type Rec = Record<string, unknown>;

export function namespace(name: string, injection = true): ManifestObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: injection ? { 'istio-injection': 'enabled' } : {} },
  };
}

export interface WorkloadFixtureOptions {
  readonly serviceAccount?: string;
  readonly ports?: readonly { name: string; port: number }[];
  readonly podLabels?: Record<string, string>;
  readonly podAnnotations?: Record<string, string>;
  readonly secrets?: readonly string[];
  readonly kind?: 'Deployment' | 'StatefulSet';
}

/** A workload whose pods carry `app: <name>` and run as ServiceAccount `<name>`. */
export function workload(
  ns: string,
  name: string,
  options: WorkloadFixtureOptions = {},
): ManifestObject {
  return {
    apiVersion: 'apps/v1',
    kind: options.kind ?? 'Deployment',
    metadata: { name, namespace: ns },
    spec: {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: {
          labels: { app: name, ...options.podLabels },
          ...(options.podAnnotations === undefined ? {} : { annotations: options.podAnnotations }),
        },
        spec: {
          serviceAccountName: options.serviceAccount ?? name,
          containers: [
            {
              name,
              image: 'example',
              ports: (options.ports ?? []).map((p) => ({ name: p.name, containerPort: p.port })),
            },
          ],
          volumes: (options.secrets ?? []).map((secretName) => ({
            name: secretName,
            secret: { secretName },
          })),
        },
      },
    },
  };
}

/** A Service selecting `app: <name>` with the given ports (targetPort = port unless given). */
export function service(
  ns: string,
  name: string,
  ports: readonly {
    name: string;
    port: number;
    targetPort?: number | string;
    appProtocol?: string;
  }[],
): ManifestObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: ns },
    spec: { selector: { app: name }, ports },
  };
}

/** Workload + Service with one port. */
export function server(
  ns: string,
  name: string,
  portName: string,
  port: number,
  options: WorkloadFixtureOptions = {},
): ManifestObject[] {
  return [
    workload(ns, name, { ...options, ports: [{ name: portName, port }] }),
    service(ns, name, [{ name: portName, port }]),
  ];
}

export function peerAuthentication(ns: string, name: string, spec: Rec): ManifestObject {
  return {
    apiVersion: 'security.istio.io/v1',
    kind: 'PeerAuthentication',
    metadata: { name, namespace: ns },
    spec,
  };
}

export const meshStrict = (): ManifestObject =>
  peerAuthentication('istio-system', 'default', { mtls: { mode: 'STRICT' } });

export function authorizationPolicy(ns: string, name: string, spec: Rec): ManifestObject {
  return {
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: { name, namespace: ns },
    spec,
  };
}

/** The allow-nothing baseline: an ALLOW policy with an empty spec. */
export const allowNothing = (ns: string): ManifestObject =>
  authorizationPolicy(ns, 'allow-nothing', {});

export function networkPolicy(ns: string, name: string, spec: Rec): ManifestObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name, namespace: ns },
    spec,
  };
}

/** Default deny for both directions in a namespace. */
export const denyAll = (ns: string): ManifestObject =>
  networkPolicy(ns, 'default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });

export const principal = (ns: string, sa: string): string => `cluster.local/ns/${ns}/sa/${sa}`;

/** A Strimzi Kafka with one broker pool and a TLS listener (mTLS authentication, simple ACLs). */
export function kafka(ns: string, name: string, listener: Rec = {}): ManifestObject[] {
  return [
    {
      apiVersion: 'kafka.strimzi.io/v1',
      kind: 'Kafka',
      metadata: { name, namespace: ns },
      spec: {
        kafka: {
          version: '4.3.1',
          listeners: [
            {
              name: 'tls',
              port: 9093,
              type: 'internal',
              tls: true,
              authentication: { type: 'tls' },
              ...listener,
            },
          ],
          authorization: { type: 'simple' },
          template: { pod: { metadata: { annotations: { 'sidecar.istio.io/inject': 'false' } } } },
        },
      },
    },
    {
      apiVersion: 'kafka.strimzi.io/v1',
      kind: 'KafkaNodePool',
      metadata: { name: 'brokers', namespace: ns, labels: { 'strimzi.io/cluster': name } },
      spec: { replicas: 3, roles: ['broker'] },
    },
    {
      apiVersion: 'kafka.strimzi.io/v1',
      kind: 'KafkaNodePool',
      metadata: { name: 'controllers', namespace: ns, labels: { 'strimzi.io/cluster': name } },
      spec: { replicas: 3, roles: ['controller'] },
    },
  ];
}

export function kafkaTopic(ns: string, cluster: string, name: string): ManifestObject {
  return {
    apiVersion: 'kafka.strimzi.io/v1',
    kind: 'KafkaTopic',
    metadata: { name, namespace: ns, labels: { 'strimzi.io/cluster': cluster } },
    spec: { partitions: 1, replicas: 1 },
  };
}

export function kafkaUser(
  ns: string,
  cluster: string,
  name: string,
  acls: readonly Rec[],
): ManifestObject {
  return {
    apiVersion: 'kafka.strimzi.io/v1',
    kind: 'KafkaUser',
    metadata: { name, namespace: ns, labels: { 'strimzi.io/cluster': cluster } },
    spec: { authentication: { type: 'tls' }, authorization: { type: 'simple', acls } },
  };
}
