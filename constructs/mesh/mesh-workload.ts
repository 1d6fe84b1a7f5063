import type { IConstruct } from 'constructs';
import type { WorkloadPort } from '../common/workload-port.js';
import type { IMeshIdentity } from './mesh-identity.js';
import type { IMeshNamespace } from './mesh-namespace.js';

/**
 * A workload that grants can open: its pods (selected by `selectorLabels`), the ports it
 * serves, and the identity it runs as. Grants are emitted as children of the workload.
 */
export interface IMeshWorkload extends IConstruct {
  readonly namespace: IMeshNamespace;
  /** The Deployment or StatefulSet name. */
  readonly workloadName: string;
  readonly selectorLabels: Readonly<Record<string, string>>;
  readonly ports: readonly WorkloadPort[];
  readonly identity: IMeshIdentity;
}

/** Finds a port of a workload by name, or throws listing the ports it has. */
export function findWorkloadPort(workload: IMeshWorkload, portName: string): WorkloadPort {
  const port = workload.ports.find((p) => p.name === portName);
  if (port === undefined) {
    const names = workload.ports.map((p) => p.name).join(', ');
    throw new Error(`${workload.workloadName} has no port '${portName}' (ports: ${names})`);
  }
  return port;
}
