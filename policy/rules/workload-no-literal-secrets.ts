import { asArray, asRecord, asString } from '../../analysis/reachability/manifest-object.js';
import { containersOf, isWorkload, podSpecOf } from '../k8s-objects.js';
import { finding, type PolicyRule, type RuleFinding } from '../policy-rule.js';

/** Names that say the value is a credential; `_FILE`/`_PATH`/`_DIR` name where one lives. */
const SECRET_NAME =
  /(^|_)(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIALS?|AUTH_?KEY)(_|$)/i;
const POINTS_ELSEWHERE = /_(FILE|PATH|DIR|NAME|ID)$/i;
/** Values that are credentials whatever the name. */
const SECRET_VALUES: readonly RegExp[] = [
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
  /\bAKIA[0-9A-Z]{16}\b/,
  /\bsk-[A-Za-z0-9_-]{20,}/,
  /\bgh[pousr]_[A-Za-z0-9]{30,}/,
  /\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\./,
  /:\/\/[^/\s:@]+:[^/\s@]+@/,
];

/** Whether an env entry carries a literal credential (exported for the diff, which masks them). */
export function isLiteralSecret(name: string, value: string): boolean {
  if (value.length === 0) return false;
  if (SECRET_VALUES.some((re) => re.test(value))) return true;
  return SECRET_NAME.test(name) && !POINTS_ELSEWHERE.test(name);
}

/** No credential written into a pod spec. */
export const workloadNoLiteralSecrets: PolicyRule = {
  id: 'workload-no-literal-secrets',
  title: 'No literal secret values in env',
  severity: 'mandatory',
  why: 'A value in the pod spec is stored in plain text in etcd, in every render, in Git and in the Pulumi state, and anyone who can read the Deployment can read it.',
  fix: 'Put the value in a Secret (a Pulumi secret in the stack config) and use env.valueFrom.secretKeyRef, or mount it as a file.',
  scope: 'object',
  check(objects) {
    const findings: RuleFinding[] = [];
    for (const w of objects.filter(isWorkload)) {
      for (const c of containersOf(podSpecOf(w))) {
        for (const e of asArray(c.spec.env)) {
          const name = asString(asRecord(e).name) ?? '';
          const value = asString(asRecord(e).value);
          if (value !== undefined && isLiteralSecret(name, value)) {
            // Never echo the value: the report may land in a PR comment.
            findings.push(
              finding(w, `container '${c.name}' env ${name} holds a literal secret value`),
            );
          }
        }
      }
    }
    return findings;
  },
};
