/**
 * Runs the rules over a set of objects for one stack and applies the config: levels, prod-like
 * rules, exemptions. The one evaluation behind `meshrag policy`, `meshrag diff` and the Pulumi
 * policy pack.
 */
import type { ManifestObject } from '../analysis/reachability/manifest-object.js';
import type { ExemptionScope, PolicyConfig, PolicyExemption } from './policy-config.js';
import type { PolicyRule, RuleContext, RuleFinding, Severity } from './policy-rule.js';
import { ALL_RULES } from './rule-set.js';

export interface PolicyViolation extends RuleFinding {
  readonly rule: string;
  readonly severity: Severity;
}

export interface ExemptedViolation extends PolicyViolation {
  readonly reason: string;
}

export interface PolicyReport {
  readonly stack?: string;
  /** Violations not exempted, mandatory first. */
  readonly violations: readonly PolicyViolation[];
  /** Violations an exemption covers, with its reason. */
  readonly exempted: readonly ExemptedViolation[];
  /** How many objects were checked. */
  readonly checked: number;
}

export interface EvaluateOptions {
  readonly config: PolicyConfig;
  /** @default - unknown: judged as prod-like */
  readonly stack?: string;
  /** Where the check runs: offline exemptions apply only offline. */
  readonly where: 'offline' | 'pulumi';
  /** @default ALL_RULES */
  readonly rules?: readonly PolicyRule[];
}

/** Unknown stacks are prod-like: the strict reading is the safe default for another team's stack. */
export function isProdLike(config: PolicyConfig, stack: string | undefined): boolean {
  return stack === undefined ? true : (config.stacks[stack]?.prodLike ?? true);
}

export function ruleContext(config: PolicyConfig, stack: string | undefined): RuleContext {
  return {
    ...(stack === undefined ? {} : { stack }),
    prodLike: isProdLike(config, stack),
    meshRootNamespace: config.meshRootNamespace ?? 'istio-system',
    kafkaAclPrefixes: config.kafkaAclPrefixes ?? [],
  };
}

/** The rule's level after the config, or `undefined` when the config turns it off. */
export function effectiveSeverity(config: PolicyConfig, rule: PolicyRule): Severity | undefined {
  const level = config.levels?.[rule.id] ?? rule.severity;
  return level === 'disabled' ? undefined : level;
}

/** Whether the rule is judged at all for this stack. */
export function ruleApplies(config: PolicyConfig, rule: PolicyRule, context: RuleContext): boolean {
  return (
    effectiveSeverity(config, rule) !== undefined &&
    (rule.prodLikeOnly !== true || context.prodLike)
  );
}

/** The exemption that covers a finding, if any. */
export function findExemption(
  config: PolicyConfig,
  ruleId: string,
  f: RuleFinding,
  stack: string | undefined,
  where: 'offline' | 'pulumi',
): PolicyExemption | undefined {
  return config.exemptions.find((e) => {
    const scope: ExemptionScope = e.scope ?? 'everywhere';
    return (
      e.rule === ruleId &&
      e.kind === f.kind &&
      e.name === f.name &&
      (e.namespace === undefined || e.namespace === f.namespace) &&
      (e.stacks === undefined || (stack !== undefined && e.stacks.includes(stack))) &&
      (scope === 'everywhere' || where === 'offline')
    );
  });
}

/** Runs one rule and splits its findings into violations and exempted ones. */
export function evaluateRule(
  rule: PolicyRule,
  objects: readonly ManifestObject[],
  options: EvaluateOptions,
): { violations: PolicyViolation[]; exempted: ExemptedViolation[] } {
  const context = ruleContext(options.config, options.stack);
  const severity = effectiveSeverity(options.config, rule);
  if (severity === undefined || !ruleApplies(options.config, rule, context)) {
    return { violations: [], exempted: [] };
  }
  const violations: PolicyViolation[] = [];
  const exempted: ExemptedViolation[] = [];
  for (const f of rule.check(objects, context)) {
    const violation = { rule: rule.id, severity, ...f };
    const exemption = findExemption(options.config, rule.id, f, options.stack, options.where);
    if (exemption === undefined) violations.push(violation);
    else exempted.push({ ...violation, reason: exemption.reason });
  }
  return { violations, exempted };
}

export function evaluatePolicy(
  objects: readonly ManifestObject[],
  options: EvaluateOptions,
): PolicyReport {
  const violations: PolicyViolation[] = [];
  const exempted: ExemptedViolation[] = [];
  for (const rule of options.rules ?? ALL_RULES) {
    const result = evaluateRule(rule, objects, options);
    violations.push(...result.violations);
    exempted.push(...result.exempted);
  }
  const rank = (v: PolicyViolation) => (v.severity === 'mandatory' ? 0 : 1);
  return {
    ...(options.stack === undefined ? {} : { stack: options.stack }),
    violations: violations
      .map((v, i) => ({ v, i }))
      .sort((a, b) => rank(a.v) - rank(b.v) || a.i - b.i)
      .map(({ v }) => v),
    exempted,
    checked: objects.length,
  };
}

/** A stable key of a violation, to compare two runs (the diff's "new violations"). */
export function violationKey(v: PolicyViolation): string {
  return `${v.rule}|${v.kind}|${v.namespace ?? ''}|${v.name}|${v.message}`;
}
