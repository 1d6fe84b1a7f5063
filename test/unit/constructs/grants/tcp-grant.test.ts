import type { Chart } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { collectGrants } from '../../../../constructs/grants/grant.js';
import { TcpGrant } from '../../../../constructs/grants/tcp-grant.js';
import { MeshNamespace } from '../../../../constructs/mesh/mesh-namespace.js';
import { validateManifest } from '../../../helpers/manifest-schemas.js';
import { findObject, synthChart } from '../../../helpers/synth-chart.js';
import { TestWorkload } from '../../../helpers/test-workload.js';

function setup(chart: Chart) {
  const ns = new MeshNamespace(chart, 'Ns', { name: 'apps' });
  const db = new TestWorkload(chart, 'Db', ns, 'db', [
    { name: 'tcp-sql', port: 5432, protocol: 'tcp' },
    { name: 'http-admin', port: 8080, protocol: 'http' },
  ]);
  const client = new TestWorkload(chart, 'Client', ns, 'client', []);
  return { db, client };
}

describe('TcpGrant', { timeout: 30_000 }, () => {
  it('emits an ALLOW policy with principals and ports only, plus NetworkPolicies', () => {
    const objects = synthChart((chart) => {
      const { db, client } = setup(chart);
      new TcpGrant(db, 'Sql', {
        target: db,
        grantee: client.identity,
        name: 'sql',
        portName: 'tcp-sql',
      });
      expect(collectGrants(chart)).toEqual([
        {
          kind: 'tcp',
          grantee: 'cluster.local/ns/apps/sa/client',
          target: { namespace: 'apps', workload: 'db', port: 5432 },
        },
      ]);
    });

    const ap = findObject(objects, 'AuthorizationPolicy', 'db-sql-client');
    expect(ap.spec.rules).toEqual([
      {
        from: [{ source: { principals: ['cluster.local/ns/apps/sa/client'] } }],
        to: [{ operation: { ports: ['5432'] } }],
      },
    ]);
    expect(
      findObject(objects, 'NetworkPolicy', 'db-from-client-5432').spec.ingress[0].ports,
    ).toEqual([{ protocol: 'TCP', port: 5432 }]);
    expect(findObject(objects, 'NetworkPolicy', 'client-to-db-5432').spec.policyTypes).toEqual([
      'Egress',
    ]);
    for (const o of objects) expect(validateManifest(o)).toEqual([]);
  });

  it('fails when the port is HTTP, which would bypass its method and path rules', () => {
    expect(() =>
      synthChart((chart) => {
        const { db, client } = setup(chart);
        new TcpGrant(db, 'Admin', {
          target: db,
          grantee: client.identity,
          name: 'admin',
          portName: 'http-admin',
        });
      }),
    ).toThrow(/TCP grant 'admin' on http port 'http-admin'/);
  });
});
