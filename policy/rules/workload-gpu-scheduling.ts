import {
  asArray,
  asLabels,
  asRecord,
  asString,
} from '../../analysis/reachability/manifest-object.js';
import { containersOf, isWorkload, podSpecOf } from '../k8s-objects.js';
import { finding, type PolicyRule, type RuleFinding } from '../policy-rule.js';

export const GPU_RESOURCE = 'nvidia.com/gpu';

function requestsGpu(podSpec: Readonly<Record<string, unknown>>): boolean {
  return containersOf(podSpec).some((c) => {
    const resources = asRecord(c.spec.resources);
    return (
      asRecord(resources.limits)[GPU_RESOURCE] !== undefined ||
      asRecord(resources.requests)[GPU_RESOURCE] !== undefined
    );
  });
}

function toleratesGpuTaint(podSpec: Readonly<Record<string, unknown>>): boolean {
  return asArray(podSpec.tolerations).some((t) => {
    const tol = asRecord(t);
    const key = asString(tol.key);
    const effect = asString(tol.effect);
    const keyMatches =
      key === GPU_RESOURCE || (key === undefined && asString(tol.operator) === 'Exists');
    return keyMatches && (effect === undefined || effect === 'NoSchedule');
  });
}

/** Whether the pod is steered onto GPU nodes (node selector or toleration). */
function targetsGpuNodes(podSpec: Readonly<Record<string, unknown>>): boolean {
  const selector = asLabels(podSpec.nodeSelector);
  return (
    Object.keys(selector).some((k) => k.startsWith('nvidia.com/')) || toleratesGpuTaint(podSpec)
  );
}

/** GPU pods request GPUs and tolerate the GPU taint; nothing else sits on GPU nodes. */
export const workloadGpuScheduling: PolicyRule = {
  id: 'workload-gpu-scheduling',
  title: "GPU workloads tolerate the GPU taint and request 'nvidia.com/gpu'",
  severity: 'mandatory',
  why: 'GPU nodes carry the taint nvidia.com/gpu=true:NoSchedule: a pod that requests a GPU without tolerating it never schedules; a pod steered onto GPU nodes without requesting one holds an expensive node and gets no device (the CUDA provider falls back to CPU).',
  fix: "Use EmbedderService's accelerator: 'gpu' (it requests nvidia.com/gpu, tolerates the taint and selects GPU nodes).",
  scope: 'object',
  check(objects) {
    const findings: RuleFinding[] = [];
    for (const w of objects.filter(isWorkload)) {
      const pod = podSpecOf(w);
      const gpu = requestsGpu(pod);
      if (gpu && !toleratesGpuTaint(pod)) {
        findings.push(
          finding(
            w,
            `requests ${GPU_RESOURCE} but does not tolerate the ${GPU_RESOURCE}:NoSchedule taint`,
          ),
        );
      }
      if (!gpu && targetsGpuNodes(pod)) {
        findings.push(finding(w, `is steered onto GPU nodes but requests no ${GPU_RESOURCE}`));
      }
    }
    return findings;
  },
};
