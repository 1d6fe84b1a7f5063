import type { Chart } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { collectGrants } from '../../../../constructs/grants/grant.js';
import { HttpGrant, type HttpGrantProps } from '../../../../constructs/grants/http-grant.js';
import { MeshIdentity } from '../../../../constructs/mesh/mesh-identity.js';
import { MeshNamespace } from '../../../../constructs/mesh/mesh-namespace.js';
import { validateManifest } from '../../../helpers/manifest-schemas.js';
import { findObject, objectsOfKind, synthChart } from '../../../helpers/synth-chart.js';
import { TestWorkload } from '../../../helpers/test-workload.js';

function setup(chart: Chart, meshed = true) {
  const ns = new MeshNamespace(chart, 'Ns', { name: 'apps', sidecarInjection: meshed });
  const api = new TestWorkload(chart, 'Api', ns, 'api', [
    { name: 'http-api', port: 8080, protocol: 'http' },
    { name: 'tcp-raw', port: 9000, protocol: 'tcp' },
  ]);
  const client = new TestWorkload(chart, 'Client', ns, 'client', []);
  return { ns, api, client };
}

const invoke = (api: TestWorkload, client: TestWorkload): HttpGrantProps => ({
  target: api,
  grantee: client.identity,
  name: 'invoke',
  portName: 'http-api',
  operations: [{ methods: ['POST'], paths: ['/run'] }],
});

describe('HttpGrant', { timeout: 30_000 }, () => {
  it('emits an ALLOW policy for the principal with port, methods and paths', () => {
    const objects = synthChart((chart) => {
      const { api, client } = setup(chart);
      new HttpGrant(api, 'Invoke', invoke(api, client));
    });

    const ap = findObject(objects, 'AuthorizationPolicy', 'api-invoke-client', 'apps');
    expect(ap.spec).toEqual({
      action: 'ALLOW',
      selector: { matchLabels: { 'app.kubernetes.io/name': 'api' } },
      rules: [
        {
          from: [{ source: { principals: ['cluster.local/ns/apps/sa/client'] } }],
          to: [{ operation: { ports: ['8080'], methods: ['POST'], paths: ['/run'] } }],
        },
      ],
    });
    for (const o of objects) expect(validateManifest(o)).toEqual([]);
  });

  it('opens the port on both NetworkPolicy sides: ingress on the target, egress on the grantee', () => {
    const objects = synthChart((chart) => {
      const { api, client } = setup(chart);
      new HttpGrant(api, 'Invoke', invoke(api, client));
    });

    const ingress = findObject(objects, 'NetworkPolicy', 'api-from-client-8080');
    expect(ingress.spec.podSelector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'api' } });
    expect(ingress.spec.ingress).toEqual([
      {
        from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'apps' } },
            podSelector: { matchLabels: { 'app.kubernetes.io/name': 'client' } },
          },
        ],
        ports: [{ protocol: 'TCP', port: 8080 }],
      },
    ]);
    const egress = findObject(objects, 'NetworkPolicy', 'client-to-api-8080');
    expect(egress.spec.policyTypes).toEqual(['Egress']);
    expect(egress.spec.egress[0].to[0].podSelector.matchLabels).toEqual({
      'app.kubernetes.io/name': 'api',
    });
  });

  it('emits one Istio operation per granted operation, so methods never cross paths', () => {
    const objects = synthChart((chart) => {
      const { api, client } = setup(chart);
      new HttpGrant(api, 'Invoke', {
        ...invoke(api, client),
        operations: [
          { methods: ['GET'], paths: ['/status'] },
          { methods: ['POST'], paths: ['/run', '/items/{*}/run'] },
        ],
      });
    });

    expect(
      findObject(objects, 'AuthorizationPolicy', 'api-invoke-client').spec.rules[0].to,
    ).toEqual([
      { operation: { ports: ['8080'], methods: ['GET'], paths: ['/status'] } },
      { operation: { ports: ['8080'], methods: ['POST'], paths: ['/run', '/items/{*}/run'] } },
    ]);
  });

  it('records the grant as data', () => {
    synthChart((chart) => {
      const { api, client } = setup(chart);
      new HttpGrant(api, 'Invoke', invoke(api, client));
      expect(collectGrants(chart)).toEqual([
        {
          kind: 'http',
          grantee: 'cluster.local/ns/apps/sa/client',
          target: { namespace: 'apps', workload: 'api', port: 8080 },
          operations: [{ methods: ['POST'], paths: ['/run'] }],
        },
      ]);
    });
  });

  it('shares NetworkPolicies between two grants on one port, and opens no egress for outside identities', () => {
    const objects = synthChart((chart) => {
      const { api, client } = setup(chart);
      new HttpGrant(api, 'Invoke', invoke(api, client));
      new HttpGrant(api, 'Read', {
        ...invoke(api, client),
        name: 'read',
        operations: [{ methods: ['GET'], paths: ['/status'] }],
      });
      const prom = MeshIdentity.fromExternal({
        namespaceName: 'mon',
        serviceAccountName: 'prom',
        podLabels: { app: 'prom' },
      });
      new HttpGrant(api, 'Metrics', { ...invoke(api, client), grantee: prom, name: 'metrics' });
    });

    expect(
      objectsOfKind(objects, 'AuthorizationPolicy')
        .map((o) => o.metadata.name)
        .sort(),
    ).toEqual(['allow-nothing', 'api-invoke-client', 'api-metrics-prom', 'api-read-client']);
    const grantPolicies = objectsOfKind(objects, 'NetworkPolicy').filter((o) =>
      /-(from|to)-/.test(o.metadata.name),
    );
    expect(grantPolicies.map((o) => o.metadata.name).sort()).toEqual([
      'api-from-client-8080',
      'api-from-prom-8080',
      'client-to-api-8080',
    ]);
  });

  it('fails when the port is TCP', () => {
    expect(() =>
      synthChart((chart) => {
        const { api, client } = setup(chart);
        new HttpGrant(api, 'Bad', { ...invoke(api, client), portName: 'tcp-raw' });
      }),
    ).toThrow(/HTTP grant 'invoke' on TCP port 'tcp-raw'/);
  });

  it('fails when the port does not exist', () => {
    expect(() =>
      synthChart((chart) => {
        const { api, client } = setup(chart);
        new HttpGrant(api, 'Bad', { ...invoke(api, client), portName: 'http-nope' });
      }),
    ).toThrow(/no port 'http-nope' \(ports: http-api, tcp-raw\)/);
  });

  it('fails when the target is not in the mesh', () => {
    expect(() =>
      synthChart((chart) => {
        const { api, client } = setup(chart, false);
        new HttpGrant(api, 'Bad', invoke(api, client));
      }),
    ).toThrow(/needs a meshed target/);
  });

  it('fails when methods or paths are empty or malformed', () => {
    const cases: [Partial<HttpGrantProps>, RegExp][] = [
      [{ operations: [] }, /at least one operation/],
      [{ operations: [{ methods: [], paths: ['/run'] }] }, /at least one method and one path/],
      [{ operations: [{ methods: ['POST'], paths: [] }] }, /at least one method and one path/],
      [{ operations: [{ methods: ['post'], paths: ['/run'] }] }, /unknown method 'post'/],
      [{ operations: [{ methods: ['POST'], paths: ['run'] }] }, /path 'run' must start with '\/'/],
      [{ name: 'Invoke' }, /grant name 'Invoke'/],
    ];
    for (const [override, error] of cases) {
      expect(() =>
        synthChart((chart) => {
          const { api, client } = setup(chart);
          new HttpGrant(api, 'Bad', { ...invoke(api, client), ...override });
        }),
      ).toThrow(error);
    }
  });
});
