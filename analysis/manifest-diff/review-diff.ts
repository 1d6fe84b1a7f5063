/**
 * What a change does to one stack, for a reviewer: the semantic manifest diff, the reachability
 * edges added and removed (who can reach whom), and the policy violations the change brings.
 */

import {
  evaluatePolicy,
  type PolicyViolation,
  violationKey,
} from '../../policy/evaluate-policy.js';
import type { PolicyConfig } from '../../policy/policy-config.js';
import { analyzeReachability } from '../reachability/analyze-reachability.js';
import type { ManifestObject } from '../reachability/manifest-object.js';
import { edgeKey } from '../reachability/reachability-edge.js';
import { diffManifests, isEmptyDiff, type ManifestDiff } from './manifest-diff.js';

export interface ReviewDiff {
  readonly stack: string;
  readonly baseRef: string;
  /** The base did not have this stack: everything is new. */
  readonly newStack: boolean;
  readonly objects: ManifestDiff;
  readonly edgesAdded: readonly string[];
  readonly edgesRemoved: readonly string[];
  /** Violations (not exempted) at the head that the base did not have. */
  readonly newViolations: readonly PolicyViolation[];
  /** Violations the change fixes. */
  readonly fixedViolations: readonly PolicyViolation[];
}

export interface ReviewDiffInput {
  readonly stack: string;
  readonly baseRef: string;
  /** `undefined` when the stack does not exist at the base. */
  readonly base: readonly ManifestObject[] | undefined;
  readonly head: readonly ManifestObject[];
  readonly config: PolicyConfig;
}

export function buildReviewDiff(input: ReviewDiffInput): ReviewDiff {
  const base = input.base ?? [];
  const edges = (objects: readonly ManifestObject[]) =>
    new Set(objects.length === 0 ? [] : analyzeReachability(objects).edges.map(edgeKey));
  const baseEdges = edges(base);
  const headEdges = edges(input.head);
  const violations = (objects: readonly ManifestObject[]) =>
    evaluatePolicy(objects, { config: input.config, stack: input.stack, where: 'offline' })
      .violations;
  const baseViolations = input.base === undefined ? [] : violations(base);
  const headViolations = violations(input.head);
  const baseKeys = new Set(baseViolations.map(violationKey));
  const headKeys = new Set(headViolations.map(violationKey));
  return {
    stack: input.stack,
    baseRef: input.baseRef,
    newStack: input.base === undefined,
    objects: diffManifests(base, input.head),
    edgesAdded: [...headEdges].filter((e) => !baseEdges.has(e)).sort(),
    edgesRemoved: [...baseEdges].filter((e) => !headEdges.has(e)).sort(),
    newViolations: headViolations.filter((v) => !baseKeys.has(violationKey(v))),
    fixedViolations: baseViolations.filter((v) => !headKeys.has(violationKey(v))),
  };
}

export function isEmptyReview(r: ReviewDiff): boolean {
  return (
    isEmptyDiff(r.objects) &&
    r.edgesAdded.length === 0 &&
    r.edgesRemoved.length === 0 &&
    r.newViolations.length === 0 &&
    r.fixedViolations.length === 0
  );
}
