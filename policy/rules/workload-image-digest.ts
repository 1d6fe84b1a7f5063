import { asString } from '../../analysis/reachability/manifest-object.js';
import { isDigestPinned } from '../image-reference.js';
import { containersOf, isWorkload, podSpecOf } from '../k8s-objects.js';
import { finding, type PolicyRule, type RuleFinding } from '../policy-rule.js';

/** On prod-like stacks images are pinned by digest. */
export const workloadImageDigest: PolicyRule = {
  id: 'workload-image-digest',
  title: 'Images are pinned by digest (prod-like stacks)',
  severity: 'mandatory',
  why: 'A tag is a mutable pointer: whoever can push to the registry changes what production runs, and a node that pulls later may run different bytes than the one that pulled first.',
  fix: "Reference images as 'repo@sha256:<digest>'. The Pulumi program builds the meshrag images and passes their digests in; third-party images need the digest in the stack config.",
  scope: 'object',
  prodLikeOnly: true,
  check(objects) {
    const findings: RuleFinding[] = [];
    for (const w of objects.filter(isWorkload)) {
      for (const c of containersOf(podSpecOf(w))) {
        const image = asString(c.spec.image);
        if (image !== undefined && !isDigestPinned(image)) {
          findings.push(
            finding(w, `container '${c.name}' image '${image}' is not pinned by digest`),
          );
        }
      }
    }
    return findings;
  },
};
