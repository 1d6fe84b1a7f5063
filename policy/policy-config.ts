/**
 * The shape of `policy/policy.config.ts`: which stacks are prod-like, a rule's level, and
 * exemptions of single objects, each with a written reason.
 */
import type { Severity } from './policy-rule.js';

/** Where an exemption holds. */
export type ExemptionScope =
  /** Offline checks only (`meshrag policy`, `meshrag diff`, CI's offline job): for facts only the deploy knows. */
  | 'offline'
  /** Offline and in the Pulumi policy pack. */
  | 'everywhere';

export interface PolicyExemption {
  readonly rule: string;
  readonly kind: string;
  /** @default - any namespace (cluster-scoped objects have none) */
  readonly namespace?: string;
  readonly name: string;
  /** @default - every stack */
  readonly stacks?: readonly string[];
  /** @default 'everywhere' */
  readonly scope?: ExemptionScope;
  /** Why the object may break the rule: shown in every report. Required and never empty. */
  readonly reason: string;
}

export interface PolicyConfig {
  /** Stacks held to the production bar. Any stack not named in `stacks` is prod-like too. */
  readonly stacks: Readonly<Record<string, { readonly prodLike: boolean }>>;
  /** Override a rule's severity, or turn it off. */
  readonly levels?: Readonly<Record<string, Severity | 'disabled'>>;
  readonly exemptions: readonly PolicyExemption[];
  /** @default 'istio-system' */
  readonly meshRootNamespace?: string;
  /** Prefixes a prefix KafkaUser ACL may use. @default - none: literal ACLs only */
  readonly kafkaAclPrefixes?: readonly string[];
}

/** Throws when the config names an unknown rule or gives an exemption no reason. */
export function validatePolicyConfig(config: PolicyConfig, ruleIds: readonly string[]): void {
  const known = new Set(ruleIds);
  for (const id of Object.keys(config.levels ?? {})) {
    if (!known.has(id)) throw new Error(`policy config: levels names unknown rule '${id}'`);
  }
  for (const e of config.exemptions) {
    const what = `${e.rule} on ${e.kind} ${e.namespace === undefined ? '' : `${e.namespace}/`}${e.name}`;
    if (!known.has(e.rule))
      throw new Error(`policy config: exemption names unknown rule '${e.rule}'`);
    if (e.reason.trim().length < 20) {
      throw new Error(
        `policy config: exemption of ${what} needs a written reason (at least a sentence)`,
      );
    }
  }
}
