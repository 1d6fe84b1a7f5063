import { describe, expect, it } from 'vitest';
import { MeshPeerAuthentication } from '../../../../constructs/mesh/mesh-peer-authentication.js';
import { validateManifest } from '../../../helpers/manifest-schemas.js';
import { findObject, synthChart } from '../../../helpers/synth-chart.js';

describe('MeshPeerAuthentication', { timeout: 30_000 }, () => {
  it('sets mesh-wide STRICT mTLS in istio-system', () => {
    const objects = synthChart((chart) => new MeshPeerAuthentication(chart, 'Pa'));

    const pa = findObject(objects, 'PeerAuthentication', 'default', 'istio-system');
    expect(pa.apiVersion).toBe('security.istio.io/v1');
    expect(pa.spec).toEqual({ mtls: { mode: 'STRICT' } });
    expect(validateManifest(pa)).toEqual([]);
  });

  it('follows a custom root namespace', () => {
    const objects = synthChart(
      (chart) => new MeshPeerAuthentication(chart, 'Pa', { rootNamespace: 'istio-root' }),
    );
    expect(findObject(objects, 'PeerAuthentication', 'default').metadata.namespace).toBe(
      'istio-root',
    );
  });
});
