import { describe, expect, it } from 'vitest';
import { MeshIdentity, meshPrincipal } from '../../../../constructs/mesh/mesh-identity.js';
import { MeshNamespace } from '../../../../constructs/mesh/mesh-namespace.js';
import { findObject, objectsOfKind, synthChart } from '../../../helpers/synth-chart.js';

describe('MeshIdentity', () => {
  it('is one ServiceAccount, without a token, whose principal names namespace and account', () => {
    let identity: MeshIdentity | undefined;
    const objects = synthChart((chart) => {
      const ns = new MeshNamespace(chart, 'Ns', { name: 'apps' });
      identity = new MeshIdentity(chart, 'Id', { namespace: ns, name: 'worker' });
    });

    const sa = findObject(objects, 'ServiceAccount', 'worker', 'apps');
    expect(sa.automountServiceAccountToken).toBe(false);
    expect(identity?.principal).toBe('cluster.local/ns/apps/sa/worker');
    expect(identity?.podLabels).toEqual({ 'app.kubernetes.io/name': 'worker' });
    expect(identity?.egressRestricted).toBe(true);
  });

  it('names an external identity without emitting anything', () => {
    const objects = synthChart(() => {
      const prom = MeshIdentity.fromExternal({
        namespaceName: 'monitoring',
        serviceAccountName: 'prometheus',
        podLabels: { app: 'prometheus' },
      });
      expect(prom.principal).toBe('cluster.local/ns/monitoring/sa/prometheus');
      expect(prom.egressRestricted).toBe(false);
    });
    expect(objectsOfKind(objects, 'ServiceAccount')).toEqual([]);
    expect(meshPrincipal('a', 'b', 'example.org')).toBe('example.org/ns/a/sa/b');
  });

  it('fails when the ServiceAccount name is not a DNS-1123 label', () => {
    expect(() =>
      synthChart((chart) => {
        const ns = new MeshNamespace(chart, 'Ns', { name: 'apps' });
        new MeshIdentity(chart, 'Id', { namespace: ns, name: 'Worker' });
      }),
    ).toThrow(/MeshIdentity name 'Worker'/);
    expect(() =>
      MeshIdentity.fromExternal({
        namespaceName: 'mon_itoring',
        serviceAccountName: 'p',
        podLabels: {},
      }),
    ).toThrow(/DNS-1123/);
  });
});
