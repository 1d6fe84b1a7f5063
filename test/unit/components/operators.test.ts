import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { find, installMocks, parentType, settle } from './pulumi-mocks.js';

const recorded = installMocks();
const { StrimziOperator, STRIMZI_CHART_VERSION } = await import(
  '../../../components/strimzi-operator.js'
);
const { IstioMesh, ISTIO_VERSION } = await import('../../../components/istio-mesh.js');
const CHART = 'kubernetes:helm.sh/v4:Chart';
const chartYaml = (path: string) => parse(readFileSync(`${path}/Chart.yaml`, 'utf8'));

// Renders whole stacks and waits for registrations: room for a loaded machine.
describe('StrimziOperator', { timeout: 60_000 }, () => {
  it('installs the vendored 1.2.0 chart in its namespace, watching the app namespace, generating no NetworkPolicies', async () => {
    new StrimziOperator('strimzi', { namespace: 'kafka', watchNamespaces: ['meshrag'] });
    await settle(recorded);
    const chart = find(recorded, CHART, 'strimzi');
    expect(chart.inputs).toMatchObject({
      version: STRIMZI_CHART_VERSION,
      namespace: 'kafka',
      values: {
        watchNamespaces: ['meshrag'],
        watchAnyNamespace: false,
        generateNetworkPolicy: false,
      },
      skipAwait: false,
    });
    expect(chartYaml(chart.inputs.chart).version).toBe('1.2.0');
    expect(parentType(chart)).toBe('meshrag:kafka:StrimziOperator');
  });

  it('fails when told to watch every namespace and a list as well', () => {
    expect(
      () =>
        new StrimziOperator('both', {
          namespace: 'kafka',
          watchNamespaces: ['a'],
          watchAnyNamespace: true,
        }),
    ).toThrow(
      'StrimziOperator both: watchAnyNamespace already watches every namespace; drop watchNamespaces (a)',
    );
  });
});

// Renders whole stacks and waits for registrations: room for a loaded machine.
describe('IstioMesh', { timeout: 60_000 }, () => {
  it('installs base → cni → istiod 1.30.3 with the CNI plugin, docker.io/istio and the webhooks failing closed', async () => {
    new IstioMesh('istio');
    await settle(recorded);
    const [base, cni, istiod] = ['base', 'cni', 'istiod'].map((c) =>
      find(recorded, CHART, `istio-${c}`),
    );
    const global = { hub: 'docker.io/istio', tag: '1.30.3', istioNamespace: 'istio-system' };
    for (const chart of [base, cni, istiod]) {
      expect(chart?.inputs).toMatchObject({
        version: ISTIO_VERSION,
        namespace: 'istio-system',
        values: { global },
      });
      expect(chartYaml(chart?.inputs.chart).version).toBe(ISTIO_VERSION);
      expect(parentType(chart as never)).toBe('meshrag:mesh:IstioMesh');
    }
    expect(istiod?.inputs.values.pilot).toEqual({ cni: { enabled: true } });
    expect(base?.inputs.values.base).toEqual({ validationFailurePolicy: 'Fail' });
    expect(istiod?.inputs.values.base).toEqual({ validationFailurePolicy: 'Fail' });
    expect(base?.dependencies.join(' ')).toContain('istio-namespace');
    expect(cni?.dependencies.join(' ')).toContain('istio-base');
    expect(istiod?.dependencies.join(' ')).toMatch(/istio-base.*istio-cni|istio-cni.*istio-base/);
    expect(
      find(recorded, 'kubernetes:core/v1:Namespace', 'istio-namespace').inputs.metadata.name,
    ).toBe('istio-system');
  });

  it('keeps the webhooks failing open where nothing runs (skipAwait)', async () => {
    new IstioMesh('nodeless', { skipAwait: true });
    await settle(recorded);
    expect(find(recorded, CHART, 'nodeless-base').inputs.values.base).toBeUndefined();
    expect(find(recorded, CHART, 'nodeless-istiod').inputs.skipAwait).toBe(true);
  });
});
