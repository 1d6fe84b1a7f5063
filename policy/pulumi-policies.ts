/**
 * The meshrag rules as `@pulumi/policy` policies. Object rules run per resource (a ConfigGroup's
 * `objs`, or a typed resource); stack rules run once over every object of the stack. The stack
 * name comes from the URN, so prod-like rules and per-stack exemptions work as offline.
 * Importable without side effects: the PolicyPack itself is built in `policy-pack.ts` only.
 */
import type {
  Policies,
  ReportViolation,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from '@pulumi/policy';
import type { ManifestObject } from '../analysis/reachability/manifest-object.js';
import {
  effectiveSeverity,
  evaluatePolicy,
  evaluateRule,
  type PolicyViolation,
} from './evaluate-policy.js';
import { objectLabel } from './format-policy-report.js';
import type { PolicyConfig } from './policy-config.js';
import type { PolicyRule } from './policy-rule.js';
import {
  insideObjectGroupOrChart,
  objectKey,
  objectsFromResource,
  parseUrn,
  stackObjects,
} from './pulumi-objects.js';
import { ALL_RULES } from './rule-set.js';

/** The advisory policy that lists every exemption in force, so it shows in every preview. */
export const EXEMPTIONS_POLICY = 'meshrag-exemptions';

function message(v: PolicyViolation, rule: PolicyRule): string {
  return `${objectLabel(v)}: ${v.message}. Fix: ${rule.fix}`;
}

function resourcePolicy(rule: PolicyRule, config: PolicyConfig): ResourceValidationPolicy {
  return {
    name: rule.id,
    description: rule.title,
    enforcementLevel: effectiveSeverity(config, rule) ?? 'disabled',
    remediationSteps: rule.fix,
    validateResource: (args, reportViolation) => {
      const inside = insideObjectGroupOrChart(args.urn);
      // A ConfigGroup's children were judged through its `objs`; a chart's are upstream's.
      if (inside.group || inside.chart) return;
      const objects = objectsFromResource(args.type, args.props, args.name);
      if (objects.length === 0) return;
      const stack = parseUrn(args.urn)?.stack;
      const { violations } = evaluateRule(rule, objects, {
        config,
        ...(stack === undefined ? {} : { stack }),
        where: 'pulumi',
      });
      for (const v of violations) reportViolation(message(v, rule));
    },
  };
}

function reportWithUrn(
  report: ReportViolation,
  text: string,
  v: PolicyViolation,
  objects: readonly ManifestObject[],
  urnOf: ReadonlyMap<string, string>,
): void {
  const object = objects.find(
    (o) => o.kind === v.kind && o.metadata.name === v.name && o.metadata.namespace === v.namespace,
  );
  const urn = object === undefined ? undefined : urnOf.get(objectKey(object));
  report(text, urn);
}

function stackPolicy(rule: PolicyRule, config: PolicyConfig): StackValidationPolicy {
  return {
    name: rule.id,
    description: rule.title,
    enforcementLevel: effectiveSeverity(config, rule) ?? 'disabled',
    remediationSteps: rule.fix,
    validateStack: (args, reportViolation) => {
      const { objects, urnOf } = stackObjects(args.resources);
      if (objects.length === 0) return;
      const stack = parseUrn(args.resources[0]?.urn ?? '')?.stack;
      const { violations } = evaluateRule(rule, objects, {
        config,
        ...(stack === undefined ? {} : { stack }),
        where: 'pulumi',
      });
      for (const v of violations)
        reportWithUrn(reportViolation, message(v, rule), v, objects, urnOf);
    },
  };
}

function exemptionsPolicy(
  config: PolicyConfig,
  rules: readonly PolicyRule[],
): StackValidationPolicy {
  return {
    name: EXEMPTIONS_POLICY,
    description: 'Lists every meshrag policy exemption in force, with its reason',
    enforcementLevel: 'advisory',
    validateStack: (args, reportViolation) => {
      const { objects, urnOf } = stackObjects(args.resources);
      const stack = parseUrn(args.resources[0]?.urn ?? '')?.stack;
      const report = evaluatePolicy(objects, {
        config,
        rules,
        ...(stack === undefined ? {} : { stack }),
        where: 'pulumi',
      });
      for (const e of report.exempted) {
        reportWithUrn(
          reportViolation,
          `exempted from ${e.rule}: ${objectLabel(e)}: ${e.message}. Reason: ${e.reason}`,
          e,
          objects,
          urnOf,
        );
      }
    },
  };
}

/** Every rule as a policy, plus the exemptions listing. */
export function meshragPolicies(
  config: PolicyConfig,
  rules: readonly PolicyRule[] = ALL_RULES,
): Policies {
  return [
    ...rules.map((rule) =>
      rule.scope === 'object' ? resourcePolicy(rule, config) : stackPolicy(rule, config),
    ),
    exemptionsPolicy(config, rules),
  ];
}
