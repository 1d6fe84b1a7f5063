/**
 * Every grant, recorded as plain data next to the manifests it emits. The reachability
 * analysis (`analysis/`) compares the edges it derives from rendered manifests with these
 * records: the two must be equal, nothing more and nothing less.
 */

/** A workload (the Deployment or StatefulSet name) in a namespace. */
export interface WorkloadRef {
  readonly namespace: string;
  /** The Deployment or StatefulSet name. */
  readonly workload: string;
}

/** HTTP methods (upper case) allowed on paths (Istio syntax: exact, `prefix*`, `*suffix`, `{*}`). */
export interface HttpOperation {
  readonly methods: readonly string[];
  readonly paths: readonly string[];
}

/** One declared access, as data. */
export type GrantRecord =
  | {
      readonly kind: 'http';
      /** Mesh principal of the grantee: `cluster.local/ns/<ns>/sa/<sa>`. */
      readonly grantee: string;
      readonly target: WorkloadRef & { readonly port: number };
      /** Each operation allows its methods on its paths. */
      readonly operations: readonly HttpOperation[];
    }
  | {
      readonly kind: 'tcp';
      /** Mesh principal of the grantee: `cluster.local/ns/<ns>/sa/<sa>`. */
      readonly grantee: string;
      readonly target: WorkloadRef & { readonly port: number };
    }
  | {
      readonly kind: 'kafka';
      /** Mesh principal of the workload that uses the KafkaUser. */
      readonly grantee: string;
      readonly kafkaUser: string;
      readonly cluster: string;
      readonly topic: string;
      readonly operations: readonly string[];
      readonly group?: string;
      /** Operations on the group. @default ['Read'] when a group is set */
      readonly groupOperations?: readonly string[];
    };
