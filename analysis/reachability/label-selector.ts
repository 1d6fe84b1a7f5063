/**
 * Kubernetes label selectors (`matchLabels` + `matchExpressions`), as NetworkPolicies and
 * Services use them.
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors
 */
import {
  asArray,
  asLabels,
  asRecord,
  asString,
  asStringArray,
  type Labels,
} from './manifest-object.js';

/**
 * Labels of a pod or namespace as far as the analysis knows them. `'any'` stands for a peer we
 * cannot see (a workload outside the rendered manifests that a policy names by identity): it is
 * assumed to carry whatever labels a selector asks for.
 */
export type KnownLabels = Labels | 'any';

/** True when the selector (a LabelSelector object) selects the labels. An empty selector selects all. */
export function matchesLabelSelector(selector: unknown, labels: KnownLabels): boolean {
  if (labels === 'any') return true;
  const record = asRecord(selector);
  for (const [key, value] of Object.entries(asLabels(record.matchLabels))) {
    if (labels[key] !== value) return false;
  }
  for (const expression of asArray(record.matchExpressions)) {
    const { key, operator, values } = asRecord(expression);
    const name = asString(key) ?? '';
    const wanted = asStringArray(values);
    const has = Object.hasOwn(labels, name);
    const value = labels[name];
    switch (operator) {
      case 'In':
        if (!has || value === undefined || !wanted.includes(value)) return false;
        break;
      case 'NotIn':
        if (has && value !== undefined && wanted.includes(value)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        // An unknown operator makes the API server reject the object; match nothing.
        return false;
    }
  }
  return true;
}

/** True when a plain `key: value` map selector (Service, Istio `selector.matchLabels`) selects the labels. */
export function matchesLabelMap(selector: Labels, labels: KnownLabels): boolean {
  if (labels === 'any') return true;
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}
