import { describe, expect, it } from 'vitest';
import {
  kafkaAclAllows,
  withImpliedOperations,
} from '../../../../analysis/reachability/kafka-acl-evaluator.js';
import type {
  KafkaAclRule,
  KafkaCluster,
  KafkaUser,
} from '../../../../analysis/reachability/reachability-model.js';

const cluster = (overrides: Partial<KafkaCluster> = {}): KafkaCluster => ({
  namespace: 'kafka',
  name: 'events',
  listeners: [],
  authorization: 'simple',
  superUsers: [],
  allowEveryoneIfNoAclFound: false,
  brokerWorkloads: [],
  userNamespace: 'kafka',
  topicNamespace: 'kafka',
  ...overrides,
});
const acl = (overrides: Partial<KafkaAclRule>): KafkaAclRule => ({
  resourceType: 'topic',
  name: 'documents.parsed',
  patternType: 'literal',
  operations: ['Read'],
  host: '*',
  type: 'allow',
  ...overrides,
});
const user = (acls: KafkaAclRule[]): KafkaUser => ({
  namespace: 'kafka',
  name: 'consumer',
  cluster: 'events',
  authentication: 'tls',
  authorization: 'simple',
  acls,
});

describe('kafkaAclAllows', () => {
  const notes = new Set<string>();

  it('allows the named operation and the Describe it implies', () => {
    const u = user([acl({})]);
    expect(kafkaAclAllows(cluster(), u, 'topic', 'documents.parsed', 'Read', notes)).toBe(true);
    expect(kafkaAclAllows(cluster(), u, 'topic', 'documents.parsed', 'Describe', notes)).toBe(true);
  });

  it('fails when the operation, the resource type or the name differs', () => {
    const u = user([acl({})]);
    expect(kafkaAclAllows(cluster(), u, 'topic', 'documents.parsed', 'Write', notes)).toBe(false);
    expect(kafkaAclAllows(cluster(), u, 'group', 'documents.parsed', 'Read', notes)).toBe(false);
    expect(kafkaAclAllows(cluster(), u, 'topic', 'documents.dlq', 'Read', notes)).toBe(false);
  });

  it('a prefix pattern matches names that start with it; a literal * matches every name', () => {
    const prefix = user([acl({ name: 'documents.', patternType: 'prefix' })]);
    expect(kafkaAclAllows(cluster(), prefix, 'topic', 'documents.dlq', 'Read', notes)).toBe(true);
    expect(kafkaAclAllows(cluster(), prefix, 'topic', 'chunks.embedded', 'Read', notes)).toBe(
      false,
    );
    const star = user([acl({ name: '*' })]);
    expect(kafkaAclAllows(cluster(), star, 'topic', 'anything', 'Read', notes)).toBe(true);
  });

  it('fails when a deny ACL matches, even with an allow for All', () => {
    const u = user([
      acl({ name: '*', operations: ['All'] }),
      acl({ type: 'deny', operations: ['Read'] }),
    ]);
    expect(kafkaAclAllows(cluster(), u, 'topic', 'documents.parsed', 'Read', notes)).toBe(false);
    expect(kafkaAclAllows(cluster(), u, 'topic', 'documents.parsed', 'Write', notes)).toBe(true);
  });

  it('super users and clusters without authorization pass everything', () => {
    const u = user([]);
    expect(
      kafkaAclAllows(
        cluster({ superUsers: ['CN=consumer'] }),
        u,
        'cluster',
        'kafka-cluster',
        'Alter',
        notes,
      ),
    ).toBe(true);
    const { authorization: _, ...open } = cluster();
    expect(kafkaAclAllows(open, u, 'topic', 'x', 'Delete', notes)).toBe(true);
    expect(kafkaAclAllows(cluster(), u, 'topic', 'x', 'Delete', notes)).toBe(false);
  });

  it('allow.everyone.if.no.acl.found opens only the resources that no ACL of any user names', () => {
    const open = cluster({ allowEveryoneIfNoAclFound: true });
    const others = [acl({ name: 'documents.dlq' })];
    expect(kafkaAclAllows(open, user([]), 'topic', 'unnamed', 'Write', notes, others)).toBe(true);
    expect(kafkaAclAllows(open, user([]), 'topic', 'documents.dlq', 'Read', notes, others)).toBe(
      false,
    );
    expect(kafkaAclAllows(cluster(), user([]), 'topic', 'unnamed', 'Write', notes, others)).toBe(
      false,
    );
  });

  it('withImpliedOperations adds Describe and expands All', () => {
    expect(withImpliedOperations(['Write'], 'topic')).toEqual(['Write', 'Describe']);
    expect(withImpliedOperations(['All'], 'group')).toEqual(['Read', 'Delete', 'Describe']);
  });
});
