import { asArray, asRecord, asString } from '../../analysis/reachability/manifest-object.js';
import { isKind } from '../k8s-objects.js';
import { finding, type PolicyRule, type RuleFinding } from '../policy-rule.js';

/** KafkaUser ACLs name literal topics and groups. */
export const kafkaAclLiteral: PolicyRule = {
  id: 'kafka-acl-literal',
  title: 'KafkaUser ACLs name literal topics and groups',
  severity: 'mandatory',
  why: "A '*' resource or a wide prefix gives a client every topic (or group) that exists now or later, including another team's and the dead-letter queue.",
  fix: "Grant per topic (topic.grantConsume / grantProduce): literal names. A prefix ACL must start with one of the app's prefixes in policy.config.ts (kafkaAclPrefixes).",
  scope: 'object',
  check(objects, context) {
    const findings: RuleFinding[] = [];
    for (const user of objects.filter((o) => isKind(o, 'kafka.strimzi.io', 'KafkaUser'))) {
      asArray(asRecord(asRecord(user.spec).authorization).acls).forEach((a, i) => {
        const resource = asRecord(asRecord(a).resource);
        const type = asString(resource.type) ?? '?';
        if (type !== 'topic' && type !== 'group') return;
        const name = asString(resource.name) ?? '';
        const pattern = asString(resource.patternType) ?? 'literal';
        if (name === '*' || name === '') {
          findings.push(finding(user, `acls[${i}] grants every ${type} ('${name}')`));
        } else if (pattern === 'prefix') {
          const narrow = context.kafkaAclPrefixes.some((p) => p.length > 0 && name.startsWith(p));
          if (!narrow) {
            findings.push(
              finding(
                user,
                `acls[${i}] grants ${type}s by prefix '${name}', wider than the app's prefixes`,
              ),
            );
          }
        } else if (pattern !== 'literal') {
          findings.push(finding(user, `acls[${i}] uses patternType '${pattern}'`));
        }
      });
    }
    return findings;
  },
};
