/**
 * What a policy rule is: data about the rule (id, title, severity, why, how to fix) and one pure
 * function over Kubernetes objects. Rules read manifests only (never the constructs), so the same
 * rule judges the offline render, any YAML a user points at, and what Pulumi is about to apply.
 */
import type { ManifestObject } from '../analysis/reachability/manifest-object.js';

/** `mandatory` fails the run (exit 1, a blocked `pulumi preview`); `advisory` only reports. */
export type Severity = 'mandatory' | 'advisory';

/** What a rule knows about where the objects come from. */
export interface RuleContext {
  /** The stack the objects belong to, when known. */
  readonly stack?: string;
  /**
   * Whether the stack must meet the production bar (replicated topics, images by digest).
   * Unknown stacks are prod-like: the strict reading is the safe one.
   */
  readonly prodLike: boolean;
  /** Istio's root namespace, where a PeerAuthentication applies mesh-wide. */
  readonly meshRootNamespace: string;
  /**
   * Topic and group name prefixes a KafkaUser ACL may use with `patternType: prefix`; a prefix
   * ACL must start with one of them (no wider than the app's own names).
   */
  readonly kafkaAclPrefixes: readonly string[];
}

/** The object a finding is about. */
export interface ObjectRef {
  readonly kind: string;
  /** `undefined` for cluster-scoped objects. */
  readonly namespace?: string;
  readonly name: string;
}

export interface RuleFinding extends ObjectRef {
  readonly message: string;
}

export interface PolicyRule {
  /** Stable id, used in reports, the config and the Pulumi policy pack. */
  readonly id: string;
  readonly title: string;
  readonly severity: Severity;
  /** Why the rule exists: what breaks without it. */
  readonly why: string;
  /** How to fix a violation. */
  readonly fix: string;
  /**
   * `object`: each object is judged alone (so the Pulumi pack runs it per resource);
   * `stack`: the rule needs every object at once (the pack runs it over the whole stack).
   */
  readonly scope: 'object' | 'stack';
  /** Only judged on prod-like stacks. @default false */
  readonly prodLikeOnly?: boolean;
  check(objects: readonly ManifestObject[], context: RuleContext): RuleFinding[];
}

/** A finding about `object`. */
export function finding(object: ManifestObject | ObjectRef, message: string): RuleFinding {
  const ref = 'metadata' in object ? refOf(object as ManifestObject) : (object as ObjectRef);
  return {
    kind: ref.kind,
    ...(ref.namespace === undefined ? {} : { namespace: ref.namespace }),
    name: ref.name,
    message,
  };
}

export function refOf(object: ManifestObject): ObjectRef {
  return {
    kind: object.kind,
    ...(object.metadata.namespace === undefined ? {} : { namespace: object.metadata.namespace }),
    name: object.metadata.name,
  };
}
