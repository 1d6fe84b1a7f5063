/**
 * Kafka's `StandardAuthorizer` over Strimzi `simple` ACLs: super users pass, a matching deny
 * wins, then a matching allow (with Kafka's implied operations: Read, Write, Delete and Alter
 * imply Describe; AlterConfigs implies DescribeConfigs; All implies everything); no match
 * denies (`allow.everyone.if.no.acl.found` is false by default).
 * @see https://kafka.apache.org/documentation/#security_authz
 * @see https://strimzi.io/docs/operators/latest/configuring.html#type-AclRule-reference
 */
import type {
  KafkaAclRule,
  KafkaCluster,
  KafkaResourceType,
  KafkaUser,
} from './reachability-model.js';

/** The operations that make sense per resource type, in the order edges are reported. */
export const KAFKA_OPERATIONS: Readonly<Record<KafkaResourceType, readonly string[]>> = {
  topic: [
    'Read',
    'Write',
    'Create',
    'Delete',
    'Alter',
    'Describe',
    'DescribeConfigs',
    'AlterConfigs',
  ],
  group: ['Read', 'Delete', 'Describe'],
  cluster: [
    'Create',
    'Alter',
    'Describe',
    'ClusterAction',
    'DescribeConfigs',
    'AlterConfigs',
    'IdempotentWrite',
  ],
  transactionalId: ['Write', 'Describe'],
};

const IMPLIED_BY: Readonly<Record<string, readonly string[]>> = {
  Describe: ['Read', 'Write', 'Delete', 'Alter'],
  DescribeConfigs: ['AlterConfigs'],
};

/** An operation together with every operation it implies (for comparing grants with ACLs). */
export function withImpliedOperations(
  operations: readonly string[],
  type: KafkaResourceType,
): string[] {
  const all = new Set<string>();
  for (const operation of operations) {
    for (const op of operation === 'All' ? KAFKA_OPERATIONS[type] : [operation]) all.add(op);
  }
  for (const [implied, by] of Object.entries(IMPLIED_BY)) {
    if (by.some((op) => all.has(op)) && KAFKA_OPERATIONS[type].includes(implied)) all.add(implied);
  }
  return KAFKA_OPERATIONS[type].filter((op) => all.has(op));
}

function resourceMatches(acl: KafkaAclRule, type: KafkaResourceType, name: string): boolean {
  if (acl.resourceType !== type) return false;
  if (acl.patternType === 'prefix') return name.startsWith(acl.name);
  return acl.name === '*' || acl.name === name;
}

/**
 * True when the cluster lets the user do the operation on the resource. `notes` collects
 * what could not be decided exactly (host-restricted ACLs are assumed to match).
 */
export function kafkaAclAllows(
  cluster: KafkaCluster,
  user: KafkaUser,
  type: KafkaResourceType,
  name: string,
  operation: string,
  notes: Set<string>,
  clusterAcls: readonly KafkaAclRule[] = user.acls,
): boolean {
  if (cluster.authorization === undefined) return true;
  if (cluster.authorization !== 'simple') {
    notes.add(
      `Kafka ${cluster.namespace}/${cluster.name}: authorization '${cluster.authorization}' not modelled; assumed to allow everything`,
    );
    return true;
  }
  const distinguishedName = `CN=${user.name}`;
  if (
    cluster.superUsers.some((s) => s === distinguishedName || s === `User:${distinguishedName}`)
  ) {
    return true;
  }
  const hostMatches = (acl: KafkaAclRule, forDeny: boolean): boolean => {
    if (acl.host === '*') return true;
    notes.add(
      `KafkaUser ${user.namespace}/${user.name}: host-restricted ACL (${acl.host}) assumed to ${forDeny ? 'not ' : ''}match`,
    );
    return !forDeny;
  };
  const acls = user.authorization === 'simple' ? user.acls : [];
  const denied = acls.some(
    (acl) =>
      acl.type === 'deny' &&
      resourceMatches(acl, type, name) &&
      (acl.operations.includes(operation) || acl.operations.includes('All')) &&
      hostMatches(acl, true),
  );
  if (denied) return false;
  const granting = [operation, 'All', ...(IMPLIED_BY[operation] ?? [])];
  if (openForNoAcl(cluster, clusterAcls, type, name)) return true;
  return acls.some(
    (acl) =>
      acl.type === 'allow' &&
      resourceMatches(acl, type, name) &&
      acl.operations.some((op) => granting.includes(op)) &&
      hostMatches(acl, false),
  );
}

/**
 * With `allow.everyone.if.no.acl.found=true`, a resource that no ACL of any user names is open
 * to every principal, ANONYMOUS included.
 */
export function openForNoAcl(
  cluster: KafkaCluster,
  clusterAcls: readonly KafkaAclRule[],
  type: KafkaResourceType,
  name: string,
): boolean {
  return (
    cluster.allowEveryoneIfNoAclFound &&
    !clusterAcls.some((acl) => resourceMatches(acl, type, name))
  );
}
