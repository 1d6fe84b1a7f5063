import { validateDns1123Label, validateInteger } from './validate.js';

/** The application protocol of a port, as Istio reads it from the port name prefix. */
export type PortProtocol = 'http' | 'grpc' | 'tcp';

/**
 * A named port a workload serves. The name carries the protocol (`http-embed`, `tcp-clients`)
 * so Istio never has to guess.
 * @see https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/
 */
export interface WorkloadPort {
  /** Port name: `<protocol>-<suffix>`, at most 15 characters (it is also the container port name). */
  readonly name: string;
  readonly port: number;
  readonly protocol: PortProtocol;
}

/** Throws unless the port name starts with its protocol and the number is a valid port. */
export function validateWorkloadPort(owner: string, port: WorkloadPort): void {
  validateInteger(`${owner}: port ${port.name}`, port.port, 1, 65535);
  validateDns1123Label(`${owner}: port name`, port.name);
  if (port.name.length > 15) {
    throw new Error(`${owner}: port name '${port.name}' is longer than 15 characters`);
  }
  if (port.name !== port.protocol && !port.name.startsWith(`${port.protocol}-`)) {
    throw new Error(
      `${owner}: port name '${port.name}' must start with '${port.protocol}-' so Istio selects the ${port.protocol} protocol`,
    );
  }
}
