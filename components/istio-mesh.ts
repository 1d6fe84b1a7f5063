import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { vendoredChartPath } from './vendored-chart.js';

/** Istio's version: the vendored charts' and the images'. */
export const ISTIO_VERSION = '1.30.3';
/** Where Istio's images come from; the vendored charts default to a testing registry. */
export const ISTIO_HUB = 'docker.io/istio';

export interface IstioMeshArgs {
  /** @default 'istio-system' */
  readonly namespace?: string;
  /** @default 'docker.io/istio' */
  readonly hub?: string;
  /** @default '1.30.3' */
  readonly tag?: string;
  /**
   * Extra values per chart, merged over meshrag's.
   * @default - none
   */
  readonly values?: {
    readonly base?: Readonly<Record<string, unknown>>;
    readonly cni?: Readonly<Record<string, unknown>>;
    readonly istiod?: Readonly<Record<string, unknown>>;
  };
  /** @default false */
  readonly skipAwait?: boolean;
}

/**
 * Istio's control plane: `base` (CRDs, the default validating webhook), `cni` (the node agent
 * that sets up pod traffic redirection, so no pod needs NET_ADMIN and the app namespaces can
 * enforce Pod Security `restricted`) and `istiod` with `pilot.cni.enabled`, in that order, from
 * the vendored charts, with `global.hub` and `global.tag` set explicitly.
 * @see https://istio.io/latest/docs/setup/additional-setup/cni/
 */
export class IstioMesh extends pulumi.ComponentResource {
  public readonly namespace: string;
  public readonly base: k8s.helm.v4.Chart;
  public readonly cni: k8s.helm.v4.Chart;
  public readonly istiod: k8s.helm.v4.Chart;

  public constructor(
    name: string,
    args: IstioMeshArgs = {},
    opts: pulumi.ComponentResourceOptions = {},
  ) {
    super('meshrag:mesh:IstioMesh', name, args, opts);
    const parts = createIstioMesh(this, name, args);
    this.namespace = parts.namespace;
    this.base = parts.base;
    this.cni = parts.cni;
    this.istiod = parts.istiod;
    this.registerOutputs({});
  }
}

/** The body of {@link IstioMesh}, callable with any parent. */
export function createIstioMesh(
  parent: pulumi.Resource,
  name: string,
  args: IstioMeshArgs,
): Pick<IstioMesh, 'namespace' | 'base' | 'cni' | 'istiod'> {
  const namespace = args.namespace ?? 'istio-system';
  const global = {
    hub: args.hub ?? ISTIO_HUB,
    tag: args.tag ?? ISTIO_VERSION,
    istioNamespace: namespace,
  };
  const skipAwait = args.skipAwait ?? false;
  // The validating webhooks start as failurePolicy Ignore and istiod flips them to Fail once it
  // serves, which every later preview would show as a diff to undo (pulumi-kubernetes #2210).
  // Rendering Fail from the start is what the charts offer server-side-apply tools for this;
  // istiod and cni hold no Istio config, so nothing is validated before istiod is up. Without
  // nodes istiod never runs, so there the webhooks keep Ignore (or every Istio policy fails).
  const validation = skipAwait ? {} : { base: { validationFailurePolicy: 'Fail' } };
  const ns = new k8s.core.v1.Namespace(
    `${name}-namespace`,
    { metadata: { name: namespace, labels: { 'app.kubernetes.io/part-of': 'meshrag' } } },
    { parent },
  );
  const base = new k8s.helm.v4.Chart(
    `${name}-base`,
    {
      chart: vendoredChartPath('istio/base'),
      version: ISTIO_VERSION,
      namespace,
      values: { defaultRevision: 'default', global, ...validation, ...args.values?.base },
      skipAwait,
    },
    { parent, dependsOn: [ns] },
  );
  const cni = new k8s.helm.v4.Chart(
    `${name}-cni`,
    {
      chart: vendoredChartPath('istio/cni'),
      version: ISTIO_VERSION,
      namespace,
      values: { global, ...args.values?.cni },
      skipAwait,
    },
    { parent, dependsOn: [base] },
  );
  const istiod = new k8s.helm.v4.Chart(
    `${name}-istiod`,
    {
      chart: vendoredChartPath('istio/istiod'),
      version: ISTIO_VERSION,
      namespace,
      values: {
        global,
        pilot: { cni: { enabled: true } },
        ...validation,
        ...args.values?.istiod,
      },
      skipAwait,
    },
    { parent, dependsOn: [base, cni] },
  );
  return { namespace, base, cni, istiod };
}
