/**
 * meshrag's policy configuration: rule levels and exemptions, each with its reason. Every
 * exemption is printed in every report (`meshrag policy`, the PR comment, the Pulumi pack), so
 * an exemption is a decision on the record, never a silent hole.
 */
import type { PolicyConfig } from './policy-config.js';

const BUILT_IMAGES_REASON =
  'Pulumi builds this image (components/service-image) and passes its repo@sha256 digest into the render at deploy time; the offline render can only name the tag. The policy pack checks the digest Pulumi actually applies, so this exemption holds offline only.';

export const policyConfig: PolicyConfig = {
  stacks: {
    dev: { prodLike: false },
    staging: { prodLike: true },
    prod: { prodLike: true },
  },
  levels: {},
  exemptions: [
    ...(['embedder', 'consumer'] as const).map((name) => ({
      rule: 'workload-image-digest',
      kind: 'Deployment',
      namespace: 'meshrag',
      name,
      stacks: ['staging', 'prod'],
      scope: 'offline' as const,
      reason: BUILT_IMAGES_REASON,
    })),
    {
      rule: 'workload-image-digest',
      kind: 'StatefulSet',
      namespace: 'meshrag',
      name: 'chroma',
      stacks: ['staging', 'prod'],
      reason:
        'Open item: chromadb/chroma:1.0.0 is a third-party image and no digest for that tag could be verified from here (no registry access); pin it in stacks/defaults.ts as chromadb/chroma:1.0.0@sha256:<digest> once resolved with `crane digest` and drop this exemption.',
    },
  ],
};
