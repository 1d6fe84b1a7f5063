import { describe, expect, it } from 'vitest';
import { MeshNamespace } from '../../../../constructs/mesh/mesh-namespace.js';
import { validateManifest } from '../../../helpers/manifest-schemas.js';
import { findObject, synthChart } from '../../../helpers/synth-chart.js';

describe('MeshNamespace', { timeout: 30_000 }, () => {
  it('labels the namespace for injection and starts from allow-nothing and default-deny', () => {
    const objects = synthChart((chart) => new MeshNamespace(chart, 'Ns', { name: 'apps' }));

    expect(findObject(objects, 'Namespace', 'apps').metadata.labels).toMatchObject({
      'istio-injection': 'enabled',
      'pod-security.kubernetes.io/warn': 'restricted',
      'pod-security.kubernetes.io/audit': 'restricted',
    });
    expect(findObject(objects, 'Namespace', 'apps').metadata.labels).not.toHaveProperty(
      'pod-security.kubernetes.io/enforce',
    );
    const allowNothing = findObject(objects, 'AuthorizationPolicy', 'allow-nothing', 'apps');
    expect(allowNothing.apiVersion).toBe('security.istio.io/v1');
    expect(allowNothing.spec).toEqual({});
    const deny = findObject(objects, 'NetworkPolicy', 'default-deny', 'apps');
    expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    for (const o of objects) expect(validateManifest(o)).toEqual([]);
  });

  it('keeps DNS and istiod reachable when egress is denied', () => {
    const objects = synthChart((chart) => new MeshNamespace(chart, 'Ns', { name: 'apps' }));

    const dns = findObject(objects, 'NetworkPolicy', 'allow-dns-egress', 'apps');
    expect(dns.spec.egress[0].ports).toEqual([
      { protocol: 'UDP', port: 53 },
      { protocol: 'TCP', port: 53 },
    ]);
    expect(dns.spec.egress[0].to[0].namespaceSelector.matchLabels).toEqual({
      'kubernetes.io/metadata.name': 'kube-system',
    });
    const istiod = findObject(objects, 'NetworkPolicy', 'allow-istiod-egress', 'apps');
    expect(istiod.spec.egress[0].ports).toEqual([{ protocol: 'TCP', port: 15012 }]);
  });

  it('can stay out of the mesh and deny only ingress', () => {
    const objects = synthChart(
      (chart) =>
        new MeshNamespace(chart, 'Ns', {
          name: 'kafka',
          sidecarInjection: false,
          defaultDenyEgress: false,
        }),
    );

    expect(findObject(objects, 'Namespace', 'kafka').metadata.labels['istio-injection']).toBe(
      'disabled',
    );
    expect(findObject(objects, 'NetworkPolicy', 'default-deny').spec.policyTypes).toEqual([
      'Ingress',
    ]);
    expect(objects.map((o) => o.metadata.name)).not.toContain('allow-dns-egress');
    expect(findObject(objects, 'AuthorizationPolicy', 'allow-nothing').spec).toEqual({});
  });

  it('can have the API server enforce a Pod Security Standard', () => {
    const objects = synthChart(
      (chart) => new MeshNamespace(chart, 'Ns', { name: 'apps', podSecurityEnforce: 'restricted' }),
    );
    expect(findObject(objects, 'Namespace', 'apps').metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted',
    });
  });

  it('fails when the name is not a DNS-1123 label', () => {
    for (const name of ['Apps', 'apps_1', '-apps', 'a'.repeat(64)]) {
      expect(() => synthChart((chart) => new MeshNamespace(chart, 'Ns', { name }))).toThrow(
        /DNS-1123 label/,
      );
    }
  });
});
