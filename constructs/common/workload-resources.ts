import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-33';
import { validateInteger } from './validate.js';

/** Compute resources of one container (or one Kafka node), units in the names. */
export interface WorkloadResources {
  readonly cpuRequestMillis: number;
  /**
   * CPU limit; unset leaves the container free to burst (no CFS throttling).
   * @default - no limit
   */
  readonly cpuLimitMillis?: number;
  readonly memoryRequestMiB: number;
  readonly memoryLimitMiB: number;
}

/** Throws unless every request is positive and within its limit. */
export function validateWorkloadResources(owner: string, r: WorkloadResources): void {
  validateInteger(`${owner}: cpuRequestMillis`, r.cpuRequestMillis, 1);
  validateInteger(`${owner}: memoryRequestMiB`, r.memoryRequestMiB, 1);
  validateInteger(`${owner}: memoryLimitMiB`, r.memoryLimitMiB, r.memoryRequestMiB);
  if (r.cpuLimitMillis !== undefined) {
    validateInteger(`${owner}: cpuLimitMillis`, r.cpuLimitMillis, r.cpuRequestMillis);
  }
}

/** As cdk8s-plus container resources. */
export function toContainerResources(r: WorkloadResources): kplus.ContainerResources {
  return {
    cpu: {
      request: kplus.Cpu.millis(r.cpuRequestMillis),
      ...(r.cpuLimitMillis === undefined ? {} : { limit: kplus.Cpu.millis(r.cpuLimitMillis) }),
    },
    memory: {
      request: Size.mebibytes(r.memoryRequestMiB),
      limit: Size.mebibytes(r.memoryLimitMiB),
    },
  };
}

/** As Kubernetes quantity strings (Strimzi's `resources`). */
export function toQuantities(r: WorkloadResources): {
  requests: Record<string, string>;
  limits: Record<string, string>;
} {
  return {
    requests: { cpu: `${r.cpuRequestMillis}m`, memory: `${r.memoryRequestMiB}Mi` },
    limits: {
      ...(r.cpuLimitMillis === undefined ? {} : { cpu: `${r.cpuLimitMillis}m` }),
      memory: `${r.memoryLimitMiB}Mi`,
    },
  };
}
