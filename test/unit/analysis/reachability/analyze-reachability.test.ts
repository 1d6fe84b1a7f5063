import { describe, expect, it } from 'vitest';
import { analyzeReachability } from '../../../../analysis/reachability/analyze-reachability.js';
import type { ManifestObject } from '../../../../analysis/reachability/manifest-object.js';
import { edgeKey } from '../../../../analysis/reachability/reachability-edge.js';
import {
  allowNothing,
  authorizationPolicy,
  denyAll,
  kafka,
  kafkaTopic,
  kafkaUser,
  meshStrict,
  namespace,
  networkPolicy,
  peerAuthentication,
  principal,
  server,
  workload,
} from './manifest-fixtures.js';

const CLIENT = principal('app', 'client');
const SERVER = 'app/server:8080';

function keys(objects: readonly ManifestObject[]): string[] {
  return analyzeReachability(objects).edges.map(edgeKey);
}

/** Edges from the client identity to the server, as `method path` (or `tcp`). */
function clientToServer(objects: readonly ManifestObject[]): string[] {
  return keys(objects)
    .filter((k) => k.startsWith(`${CLIENT} -> ${SERVER} `))
    .map((k) => k.slice(`${CLIENT} -> ${SERVER} `.length).replace(/^http /, ''));
}

/** A meshed client and a meshed HTTP server in namespace `app`, mesh-wide STRICT. */
const base = (portName = 'http-api'): ManifestObject[] => [
  namespace('app'),
  meshStrict(),
  workload('app', 'client'),
  ...server('app', 'server', portName, 8080),
];

const allowClient = (to: Record<string, unknown>[] = []): ManifestObject =>
  authorizationPolicy('app', 'server-allow-client', {
    selector: { matchLabels: { app: 'server' } },
    rules: [{ from: [{ source: { principals: [CLIENT] } }], ...(to.length > 0 ? { to } : {}) }],
  });

describe('AuthorizationPolicy', () => {
  it('allows everything on a workload that no ALLOW policy selects', () => {
    expect(clientToServer(base())).toEqual(['* *']);
  });

  it('fails when the namespace has the allow-nothing policy: an empty ALLOW matches nothing', () => {
    expect(clientToServer([...base(), allowNothing('app')])).toEqual([]);
  });

  it('an ALLOW rule naming the client opens exactly what it names', () => {
    const objects = [
      ...base(),
      allowNothing('app'),
      allowClient([{ operation: { methods: ['POST'], paths: ['/embed'] } }]),
    ];
    expect(clientToServer(objects)).toEqual(['POST /embed']);
  });

  it('fails when the ALLOW rule names another principal', () => {
    const objects = [
      ...base(),
      allowNothing('app'),
      authorizationPolicy('app', 'other', {
        selector: { matchLabels: { app: 'server' } },
        rules: [{ from: [{ source: { principals: [principal('app', 'someone-else')] } }] }],
      }),
    ];
    expect(clientToServer(objects)).toEqual([]);
  });

  it('DENY beats ALLOW', () => {
    const objects = [
      ...base(),
      allowClient(),
      authorizationPolicy('app', 'deny-metrics', {
        action: 'DENY',
        rules: [{ to: [{ operation: { paths: ['/metrics'] } }] }],
      }),
    ];
    const edges = clientToServer(objects);
    expect(edges).not.toContain('* /metrics');
    expect(edges).not.toContain('GET /metrics');
    expect(edges).toContain('* *');
  });

  it('fails when the DENY rule does not match the request: ALLOW stands', () => {
    const objects = [
      ...base(),
      allowClient([{ operation: { paths: ['/metrics'] } }]),
      authorizationPolicy('app', 'deny-other', {
        action: 'DENY',
        rules: [{ from: [{ source: { principals: [principal('app', 'someone-else')] } }] }],
      }),
    ];
    expect(clientToServer(objects)).toEqual(['* /metrics']);
  });

  it('matches methods exactly and paths by exact, prefix and suffix patterns', () => {
    const objects = [
      ...base(),
      allowClient([
        { operation: { methods: ['POST'], paths: ['/embed', '/v1/*'] } },
        { operation: { methods: ['GET'], paths: ['*.json'] } },
      ]),
    ];
    expect(clientToServer(objects)).toEqual(['GET *.json', 'POST /embed', 'POST /v1/*']);
  });

  it('fails when the method or path differs: GET /embed and POST /v2 are not reachable', () => {
    const objects = [
      ...base(),
      allowClient([{ operation: { methods: ['POST'], paths: ['/embed', '/v1/*'] } }]),
    ];
    const edges = clientToServer(objects);
    expect(edges).not.toContain('GET /embed');
    expect(edges).not.toContain('POST *');
    expect(edges).not.toContain('* *');
  });

  it('applies a policy in the mesh root namespace to every workload', () => {
    const objects = [...base(), authorizationPolicy('istio-system', 'global-allow-nothing', {})];
    expect(clientToServer(objects)).toEqual([]);
  });

  it('fails when the policy selector matches other pods: the server stays open', () => {
    const objects = [
      ...base(),
      authorizationPolicy('app', 'allow-nothing-elsewhere', {
        selector: { matchLabels: { app: 'not-the-server' } },
      }),
    ];
    expect(clientToServer(objects)).toEqual(['* *']);
    expect(analyzeReachability(objects).notes).toContain(
      'AuthorizationPolicy app/allow-nothing-elsewhere: selector matches no workload (IST0127)',
    );
    expect(analyzeReachability([...base(), allowClient()]).notes).toEqual([]);
  });

  it('leans towards more reach for conditions it does not model, and says so', () => {
    const objects = [
      ...base(),
      allowNothing('app'),
      authorizationPolicy('app', 'jwt', {
        selector: { matchLabels: { app: 'server' } },
        rules: [{ when: [{ key: 'request.auth.claims[group]', values: ['admin'] }] }],
      }),
    ];
    const report = analyzeReachability(objects);
    expect(report.edges.map(edgeKey)).toContain(`${CLIENT} -> ${SERVER} http * *`);
    expect(report.notes.join('\n')).toMatch(/request\.auth\.claims\[group\].*not modelled/);
  });
});

describe('HTTP-only fields on a TCP port', () => {
  it('fails when an ALLOW rule uses methods on a tcp- port: the rule never matches', () => {
    const objects = [...base('tcp-db'), allowClient([{ operation: { methods: ['GET'] } }])];
    expect(clientToServer(objects)).toEqual([]);
  });

  it('an ALLOW rule with only L4 fields matches the TCP port', () => {
    const objects = [...base('tcp-db'), allowClient([{ operation: { ports: ['8080'] } }])];
    expect(clientToServer(objects)).toEqual(['tcp']);
  });

  it('a DENY rule with HTTP fields drops them on TCP and denies the whole connection', () => {
    const objects = [
      ...base('tcp-db'),
      authorizationPolicy('app', 'deny-get', {
        action: 'DENY',
        rules: [{ to: [{ operation: { methods: ['GET'] } }] }],
      }),
    ];
    expect(clientToServer(objects)).toEqual([]);
  });

  it('appProtocol wins over the port name', () => {
    const objects = [
      namespace('app'),
      meshStrict(),
      workload('app', 'client'),
      workload('app', 'server', { ports: [{ name: 'tcp-api', port: 8080 }] }),
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'server', namespace: 'app' },
        spec: {
          selector: { app: 'server' },
          ports: [{ name: 'tcp-api', port: 80, targetPort: 8080, appProtocol: 'http' }],
        },
      },
      allowClient([{ operation: { methods: ['GET'], paths: ['/x'] } }]),
    ] as ManifestObject[];
    expect(clientToServer(objects)).toEqual(['GET /x']);
  });
});

describe('PeerAuthentication', () => {
  const plainClient = (): ManifestObject =>
    workload('app', 'client', { podAnnotations: { 'sidecar.istio.io/inject': 'false' } });
  const withPlainClient = (mode: string): ManifestObject[] => [
    namespace('app'),
    peerAuthentication('istio-system', 'default', { mtls: { mode } }),
    plainClient(),
    ...server('app', 'server', 'http-api', 8080),
  ];

  it('PERMISSIVE lets a workload without sidecar in, without a principal', () => {
    expect(clientToServer(withPlainClient('PERMISSIVE'))).toEqual(['* *']);
  });

  it('fails when the mesh is STRICT: a workload without sidecar cannot present a principal', () => {
    expect(clientToServer(withPlainClient('STRICT'))).toEqual([]);
  });

  it('fails when an ALLOW rule needs a principal that a plaintext client cannot present, even under PERMISSIVE', () => {
    expect(clientToServer([...withPlainClient('PERMISSIVE'), allowClient()])).toEqual([]);
  });

  it('a workload-level PeerAuthentication overrides the namespace and mesh modes, and portLevelMtls the workload mode', () => {
    const objects = [
      ...withPlainClient('STRICT'),
      peerAuthentication('app', 'server-permissive', {
        selector: { matchLabels: { app: 'server' } },
        mtls: { mode: 'STRICT' },
        portLevelMtls: { 8080: { mode: 'PERMISSIVE' } },
      }),
    ];
    expect(clientToServer(objects)).toEqual(['* *']);
  });

  it('a sidecar opt-out by pod label works like the annotation', () => {
    const objects = [
      namespace('app'),
      meshStrict(),
      workload('app', 'client', { podLabels: { 'sidecar.istio.io/inject': 'false' } }),
      ...server('app', 'server', 'http-api', 8080),
    ];
    expect(clientToServer(objects)).toEqual([]);
    expect(
      analyzeReachability(objects).model.workloads.find((w) => w.name === 'client')?.meshed,
    ).toBe(false);
  });

  it('fails when the namespace is not injected: its workloads have no sidecar', () => {
    const objects = [
      namespace('app', false),
      meshStrict(),
      workload('app', 'client'),
      ...server('app', 'server', 'http-api', 8080),
    ];
    // The server has no sidecar either, so nothing enforces STRICT: the network alone decides.
    expect(analyzeReachability(objects).model.workloads.every((w) => !w.meshed)).toBe(true);
    expect(clientToServer(objects)).toEqual(['* *']);
  });
});

describe('NetworkPolicy', () => {
  it('fails when the target namespace denies all ingress: an isolated pod needs an allowing policy', () => {
    expect(clientToServer([...base(), denyAll('app')])).toEqual([]);
  });

  it('an ingress rule with a podSelector and port opens the connection', () => {
    const objects = [
      ...base(),
      denyAll('app'),
      networkPolicy('app', 'server-in', {
        podSelector: { matchLabels: { app: 'server' } },
        policyTypes: ['Ingress'],
        ingress: [
          { from: [{ podSelector: { matchLabels: { app: 'client' } } }], ports: [{ port: 8080 }] },
        ],
      }),
      networkPolicy('app', 'client-out', {
        podSelector: { matchLabels: { app: 'client' } },
        policyTypes: ['Egress'],
        egress: [
          {
            to: [{ podSelector: { matchLabels: { app: 'server' } } }],
            ports: [{ port: 'http-api' }],
          },
        ],
      }),
    ];
    expect(clientToServer(objects)).toEqual(['* *']);
  });

  it('fails when only ingress is allowed: the source is egress-isolated too', () => {
    const objects = [
      ...base(),
      denyAll('app'),
      networkPolicy('app', 'server-in', {
        podSelector: { matchLabels: { app: 'server' } },
        ingress: [{ from: [{ podSelector: { matchLabels: { app: 'client' } } }] }],
      }),
    ];
    expect(clientToServer(objects)).toEqual([]);
  });

  it('fails when the rule port is another port', () => {
    const objects = [
      ...base(),
      networkPolicy('app', 'server-in', {
        podSelector: { matchLabels: { app: 'server' } },
        ingress: [
          { from: [{ podSelector: { matchLabels: { app: 'client' } } }], ports: [{ port: 9999 }] },
        ],
      }),
    ];
    expect(clientToServer(objects)).toEqual([]);
  });

  it('a podSelector alone selects pods in the policy namespace only; a namespaceSelector reaches across', () => {
    const crossClient = principal('other', 'client');
    const ingressFrom = (peer: Record<string, unknown>): ManifestObject =>
      networkPolicy('app', 'server-in', {
        podSelector: { matchLabels: { app: 'server' } },
        ingress: [{ from: [peer] }],
      });
    const objects = (peer: Record<string, unknown>): ManifestObject[] => [
      namespace('app'),
      namespace('other'),
      meshStrict(),
      workload('other', 'client'),
      ...server('app', 'server', 'http-api', 8080),
      ingressFrom(peer),
    ];
    const fromOther = (peer: Record<string, unknown>): string[] =>
      keys(objects(peer)).filter((k) => k.startsWith(`${crossClient} -> ${SERVER}`));
    expect(fromOther({ podSelector: { matchLabels: { app: 'client' } } })).toEqual([]);
    expect(
      fromOther({
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'other' } },
        podSelector: { matchLabels: { app: 'client' } },
      }),
    ).toEqual([`${crossClient} -> ${SERVER} http * *`]);
    expect(
      fromOther({
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'elsewhere' } },
      }),
    ).toEqual([]);
  });
});

describe('ports the pods do not declare', () => {
  it('fails when an ALLOW rule names no ports: it opens every port, declared or not', () => {
    const objects = [...base(), allowNothing('app'), allowClient()];
    expect(keys(objects)).toContain(`${CLIENT} -> app/server:* http * *`);
  });

  it('an ALLOW rule and a NetworkPolicy that name the port keep undeclared ports closed', () => {
    const objects = [
      ...base(),
      allowNothing('app'),
      allowClient([{ operation: { ports: ['8080'] } }]),
      networkPolicy('app', 'server-in', {
        podSelector: { matchLabels: { app: 'server' } },
        ingress: [{ ports: [{ port: 8000, endPort: 8090 }] }],
      }),
    ];
    expect(keys(objects).filter((k) => k.includes('app/server:*'))).toEqual([]);
    expect(clientToServer(objects)).toEqual(['* *']);
  });
});

describe('PeerAuthentication DISABLE and NetworkPolicy ipBlock', () => {
  it('fails when mTLS is disabled on the server: no principal arrives, so a principal rule cannot match', () => {
    const objects = [
      ...base(),
      allowClient(),
      peerAuthentication('app', 'off', {
        selector: { matchLabels: { app: 'server' } },
        mtls: { mode: 'DISABLE' },
      }),
    ];
    expect(clientToServer(objects)).toEqual([]);
  });

  it('assumes an ipBlock peer matches any source, and says so', () => {
    const objects = [
      ...base(),
      networkPolicy('app', 'server-in', {
        podSelector: { matchLabels: { app: 'server' } },
        ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8' } }] }],
      }),
    ];
    const report = analyzeReachability(objects);
    expect(report.edges.map(edgeKey)).toContain(`${CLIENT} -> ${SERVER} http * *`);
    expect(report.notes.join('\n')).toMatch(/ipBlock peers are assumed to match/);
  });
});

describe('the unknown source', () => {
  it('reaches a workload with no policies at all', () => {
    const objects = [namespace('app'), ...server('app', 'server', 'http-api', 8080)];
    expect(keys(objects)).toContain(`unknown -> ${SERVER} http * *`);
  });

  it('fails when STRICT mTLS, allow-nothing and default-deny are in place: unknown reaches nothing', () => {
    const objects = [...base(), allowNothing('app'), allowClient(), denyAll('app')];
    expect(keys(objects).filter((k) => k.startsWith('unknown'))).toEqual([]);
  });

  it('reaches through an over-broad namespaces rule: an unlisted identity in that namespace', () => {
    const objects = [
      ...base(),
      allowNothing('app'),
      authorizationPolicy('app', 'whole-namespace', {
        rules: [{ from: [{ source: { namespaces: ['app'] } }] }],
      }),
    ];
    expect(keys(objects)).toContain(`unknown -> ${SERVER} http * *`);
  });
});

describe('Kafka', () => {
  const CONSUMER = principal('app', 'consumer');
  const objects = (
    acls: readonly Record<string, unknown>[],
    listener: Record<string, unknown> = {},
  ): ManifestObject[] => [
    namespace('app'),
    namespace('kafka', false),
    meshStrict(),
    ...kafka('kafka', 'events', listener),
    kafkaTopic('kafka', 'events', 'documents.parsed'),
    kafkaTopic('kafka', 'events', 'documents.dlq'),
    kafkaTopic('kafka', 'events', 'chunks.embedded'),
    kafkaUser('kafka', 'events', 'consumer', acls),
    workload('kafka', 'consumer-in-kafka-ns', {
      serviceAccount: 'consumer',
      secrets: ['consumer'],
    }),
  ];
  const consumerKafka = (list: readonly ManifestObject[]): string[] =>
    keys(list)
      .filter((k) => k.startsWith(`${principal('kafka', 'consumer')} -> kafka:`))
      .map((k) => k.split(' ').slice(3).join(' '));

  it('maps a KafkaUser to the workload that mounts its Secret, with implied Describe', () => {
    const acl = {
      resource: { type: 'topic', name: 'documents.parsed', patternType: 'literal' },
      operations: ['Read'],
    };
    expect(consumerKafka(objects([acl]))).toEqual([
      'topic:documents.parsed Describe',
      'topic:documents.parsed Read',
    ]);
    expect(CONSUMER).not.toBe(principal('kafka', 'consumer'));
  });

  it('a prefix ACL reaches every topic with the prefix and any unlisted one', () => {
    const acl = {
      resource: { type: 'topic', name: 'documents.', patternType: 'prefix' },
      operations: ['Write'],
    };
    expect(consumerKafka(objects([acl]))).toEqual([
      'topic:documents.* Describe',
      'topic:documents.* Write',
      'topic:documents.dlq Describe',
      'topic:documents.dlq Write',
      'topic:documents.parsed Describe',
      'topic:documents.parsed Write',
    ]);
  });

  it('fails when the ACL is literal: the same name does not match other topics', () => {
    const acl = {
      resource: { type: 'topic', name: 'documents.', patternType: 'literal' },
      operations: ['Write'],
    };
    expect(
      consumerKafka(objects([acl])).filter((k) => k.startsWith('topic:documents.dlq')),
    ).toEqual([]);
  });

  it('a deny ACL wins over an allow ACL', () => {
    const acls = [
      { resource: { type: 'topic', name: '*', patternType: 'literal' }, operations: ['Read'] },
      {
        resource: { type: 'topic', name: 'documents.dlq', patternType: 'literal' },
        operations: ['Read'],
        type: 'deny',
      },
    ];
    const edges = consumerKafka(objects(acls));
    expect(edges).toContain('topic:documents.parsed Read');
    expect(edges).not.toContain('topic:documents.dlq Read');
  });

  it('Strimzi opens a listener without networkPolicyPeers to everyone: unknown reaches the broker port', () => {
    expect(keys(objects([]))).toContain('unknown -> kafka/events-brokers:9093 tcp');
  });

  it('fails when networkPolicyPeers names the consumer: unknown no longer reaches the broker', () => {
    const peers = {
      networkPolicyPeers: [{ podSelector: { matchLabels: { app: 'consumer-in-kafka-ns' } } }],
    };
    const edges = keys(objects([], peers));
    // (the consumer pod itself has no policy in this fixture; only the brokers matter here)
    expect(edges.filter((k) => k.startsWith('unknown -> kafka/events-'))).toEqual([]);
    expect(edges).toContain(`${principal('kafka', 'consumer')} -> kafka/events-brokers:9093 tcp`);
  });

  it('fails when the holder cannot open a connection to the listener: ACLs alone give no edge', () => {
    const acl = {
      resource: { type: 'topic', name: '*', patternType: 'literal' },
      operations: ['Read'],
    };
    const peers = {
      networkPolicyPeers: [{ podSelector: { matchLabels: { app: 'someone-else' } } }],
    };
    const report = analyzeReachability(objects([acl], peers));
    expect(report.edges.filter((e) => e.kind === 'kafka')).toEqual([]);
    expect(report.notes.join('\n')).toMatch(/cannot open a connection/);
  });

  it('fails when a listener has no authentication and the cluster authorizes nothing: anyone does anything', () => {
    const open = objects([], { authentication: undefined });
    const kafkaCr = open.find((o) => o.kind === 'Kafka') as
      | { spec: { kafka: Record<string, unknown> } }
      | undefined;
    if (kafkaCr === undefined) throw new Error('fixture has no Kafka');
    delete kafkaCr.spec.kafka.authorization;
    const edges = keys(open);
    expect(edges).toContain('unknown -> kafka:kafka/events topic:documents.parsed Write');
    expect(edges).toContain('unknown -> kafka:kafka/events topic:* Delete');
  });

  it('an unauthenticated listener with simple authorization gives ANONYMOUS nothing', () => {
    const edges = keys(objects([], { authentication: undefined }));
    expect(edges.filter((k) => k.startsWith('unknown -> kafka:'))).toEqual([]);
    expect(edges).toContain('unknown -> kafka/events-brokers:9093 tcp');
  });

  it('keeps traffic among the pods of one Strimzi cluster apart as internal edges', () => {
    const report = analyzeReachability(objects([]));
    expect(report.internalEdges.map(edgeKey)).toContain(
      `${principal('kafka', 'events-kafka')} -> kafka/events-controllers:9090 tcp`,
    );
    expect(
      report.edges
        .map(edgeKey)
        .filter((k) => k.startsWith(`${principal('kafka', 'events-kafka')} -> kafka/events-`)),
    ).toEqual([]);
  });
});
