import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { validateDns1123Label } from '../constructs/common/validate.js';
import { vendoredChartPath } from './vendored-chart.js';

/** The strimzi-kafka-operator chart vendored in `charts/strimzi-kafka-operator`. */
export const STRIMZI_CHART_VERSION = '1.2.0';

export interface StrimziOperatorArgs {
  /** Namespace the operator runs in (it must exist; it is watched as well). */
  readonly namespace: string;
  /**
   * Further namespaces to watch for Kafka resources: the app namespace, so the User Operator
   * can write KafkaUser Secrets there. The chart writes a RoleBinding into each, so they must
   * exist before the operator (pass the resource creating them in `dependsOn`).
   * @default - none
   */
  readonly watchNamespaces?: readonly string[];
  /**
   * Watch every namespace instead (ClusterRoleBindings, no per-namespace RoleBinding); for one
   * operator shared by several pipelines. Excludes `watchNamespaces`.
   * @default false
   */
  readonly watchAnyNamespace?: boolean;
  /**
   * Let the Cluster Operator generate NetworkPolicies for the clusters it runs
   * (`STRIMZI_NETWORK_POLICY_GENERATION`). Off: meshrag's constructs render every policy of the
   * Kafka namespace, and the generated ones would open the metrics port (9404) of every Kafka
   * node and of the Kafka Exporter to every pod. Turning it off does not delete policies an
   * earlier operator generated (`<cluster>-network-policy-kafka`, `<cluster>-kafka-exporter`,
   * `<cluster>-entity-operator`): delete those once.
   * @see https://strimzi.io/docs/operators/latest/deploying#ref-operator-cluster-str
   * @default false
   */
  readonly generateNetworkPolicy?: boolean;
  /**
   * Extra chart values, merged over meshrag's.
   * @default - none
   */
  readonly values?: Readonly<Record<string, unknown>>;
  /** @default false */
  readonly skipAwait?: boolean;
}

/**
 * The Strimzi cluster operator (KRaft, `kafka.strimzi.io/v1`), from the vendored chart with
 * its CRDs. Pass the cluster's provider through `providers: { kubernetes }`.
 * @see https://strimzi.io/docs/operators/latest/deploying#deploying-cluster-operator-helm-chart-str
 */
export class StrimziOperator extends pulumi.ComponentResource {
  public readonly chart: k8s.helm.v4.Chart;
  public readonly namespace: string;
  public readonly watchNamespaces: readonly string[];

  public constructor(
    name: string,
    args: StrimziOperatorArgs,
    opts: pulumi.ComponentResourceOptions = {},
  ) {
    super('meshrag:kafka:StrimziOperator', name, args, opts);
    this.namespace = args.namespace;
    this.watchNamespaces = args.watchNamespaces ?? [];
    this.chart = createStrimziOperator(this, name, args);
    this.registerOutputs({});
  }
}

/** The body of {@link StrimziOperator}, callable with any parent. */
export function createStrimziOperator(
  parent: pulumi.Resource,
  name: string,
  args: StrimziOperatorArgs,
): k8s.helm.v4.Chart {
  validateDns1123Label('StrimziOperator namespace', args.namespace);
  const watch = args.watchNamespaces ?? [];
  for (const ns of watch) validateDns1123Label('StrimziOperator watchNamespaces entry', ns);
  if (args.watchAnyNamespace === true && watch.length > 0) {
    throw new Error(
      `StrimziOperator ${name}: watchAnyNamespace already watches every namespace; drop watchNamespaces (${watch.join(', ')})`,
    );
  }
  return new k8s.helm.v4.Chart(
    name,
    {
      chart: vendoredChartPath('strimzi-kafka-operator'),
      version: STRIMZI_CHART_VERSION,
      namespace: args.namespace,
      values: {
        watchNamespaces: watch.filter((ns) => ns !== args.namespace),
        watchAnyNamespace: args.watchAnyNamespace ?? false,
        generateNetworkPolicy: args.generateNetworkPolicy ?? false,
        ...args.values,
      },
      skipAwait: args.skipAwait ?? false,
    },
    { parent },
  );
}
