/** A policy report for people (terminal, PR comment) and as the `--json` shape. */
import type { PolicyReport, PolicyViolation } from './evaluate-policy.js';
import { findRule } from './rule-set.js';

/** `{"violations":[{rule,severity,kind,namespace,name,message}], "checked": N, "exempted": [...]}`. */
export function policyReportJson(report: PolicyReport): object {
  const row = (v: PolicyViolation) => ({
    rule: v.rule,
    severity: v.severity,
    kind: v.kind,
    namespace: v.namespace ?? null,
    name: v.name,
    message: v.message,
  });
  return {
    violations: report.violations.map(row),
    checked: report.checked,
    exempted: report.exempted.map((e) => ({ ...row(e), reason: e.reason })),
  };
}

export function objectLabel(v: { kind: string; namespace?: string; name: string }): string {
  return `${v.kind} ${v.namespace === undefined ? '' : `${v.namespace}/`}${v.name}`;
}

export function hasMandatoryViolation(report: PolicyReport): boolean {
  return report.violations.some((v) => v.severity === 'mandatory');
}

export function formatPolicyReport(report: PolicyReport, title: string): string {
  const mandatory = report.violations.filter((v) => v.severity === 'mandatory').length;
  const advisory = report.violations.length - mandatory;
  const lines = [
    `${title}: ${report.checked} objects checked, ${mandatory} mandatory and ${advisory} advisory violations, ${report.exempted.length} exempted`,
  ];
  for (const v of report.violations) {
    const rule = findRule(v.rule);
    lines.push(`  ${v.severity.toUpperCase()} ${v.rule}: ${objectLabel(v)}: ${v.message}`);
    if (rule !== undefined) lines.push(`    fix: ${rule.fix}`);
  }
  for (const e of report.exempted) {
    lines.push(`  EXEMPT ${e.rule}: ${objectLabel(e)}: ${e.message}`, `    reason: ${e.reason}`);
  }
  return `${lines.join('\n')}\n`;
}
