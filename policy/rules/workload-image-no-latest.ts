import { asString } from '../../analysis/reachability/manifest-object.js';
import { isDigestPinned, tagOf } from '../image-reference.js';
import { containersOf, isWorkload, podSpecOf } from '../k8s-objects.js';
import { finding, type PolicyRule, type RuleFinding } from '../policy-rule.js';

/** Images name a version: never `:latest`, never no tag at all. */
export const workloadImageNoLatest: PolicyRule = {
  id: 'workload-image-no-latest',
  title: "Images are pinned (no ':latest', no missing tag)",
  severity: 'mandatory',
  why: "':latest' (or no tag, which means latest) changes under a running Deployment: two pods of one ReplicaSet can run different code, and a rollback restores nothing.",
  fix: "Name a version tag (dev) or a digest 'repo@sha256:...' (prod-like stacks).",
  scope: 'object',
  check(objects) {
    const findings: RuleFinding[] = [];
    for (const w of objects.filter(isWorkload)) {
      for (const c of containersOf(podSpecOf(w))) {
        const image = asString(c.spec.image);
        if (image === undefined || isDigestPinned(image)) continue;
        const tag = tagOf(image);
        if (tag === undefined || tag === 'latest') {
          findings.push(
            finding(
              w,
              `container '${c.name}' image '${image}' is not pinned (${tag === undefined ? 'no tag' : ':latest'})`,
            ),
          );
        }
      }
    }
    return findings;
  },
};
