/**
 * Which metrics PromQL expressions name, and whether a Prometheus text exposition exports
 * them: the check that no dashboard panel or alert points at a metric nobody exports.
 */

/** Metric names in PromQL: every identifier directly followed by a label matcher `{`. */
export function metricNamesIn(expressions: readonly string[]): string[] {
  const names = new Set<string>();
  for (const expr of expressions) {
    for (const match of expr.matchAll(/([A-Za-z_:][A-Za-z0-9_:]*)\s*\{/g)) {
      if (match[1] !== undefined) names.add(match[1]);
    }
  }
  return [...names].sort();
}

/** Metric families a text exposition declares (`# TYPE <name> <type>`). */
export function exportedFamilies(exposition: string): Map<string, string> {
  const families = new Map<string, string>();
  for (const match of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    if (match[1] !== undefined && match[2] !== undefined) families.set(match[1], match[2]);
  }
  return families;
}

/** True when the name is a declared family, or a histogram's/summary's `_bucket`/`_sum`/`_count`. */
export function isExported(name: string, families: ReadonlyMap<string, string>): boolean {
  if (families.has(name)) return true;
  const series = /^(.*)_(bucket|sum|count)$/.exec(name);
  if (series === null || series[1] === undefined) return false;
  const type = families.get(series[1]);
  return type === 'histogram' || (type === 'summary' && series[2] !== 'bucket');
}
