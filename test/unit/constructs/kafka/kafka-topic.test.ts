import type { Chart } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { RecordSizeBudget } from '../../../../app/common/record-size-budget.js';
import { collectGrants } from '../../../../constructs/grants/grant.js';
import {
  type IKafkaClient,
  KafkaClientUser,
} from '../../../../constructs/kafka/kafka-client-user.js';
import { KafkaTopic, type KafkaTopicProps } from '../../../../constructs/kafka/kafka-topic.js';
import { MeshIdentity } from '../../../../constructs/mesh/mesh-identity.js';
import { asKafkaClient, kafkaFixture } from '../../../helpers/kafka-fixture.js';
import { validateManifest } from '../../../helpers/manifest-schemas.js';
import { findObject, synthChart } from '../../../helpers/synth-chart.js';

const settings = { partitions: 12, replicas: 3, retentionMs: 604_800_000, minInsyncReplicas: 2 };

/** The fixture cluster and one topic `documents.parsed` with `settings` and `overrides`. */
function synthTopic(overrides: Partial<KafkaTopicProps> = {}) {
  return synthChart((chart) => {
    const { kafka } = kafkaFixture(chart);
    new KafkaTopic(chart, 'Topic', {
      cluster: kafka,
      topicName: 'documents.parsed',
      ...settings,
      ...overrides,
    });
  });
}

/** A topic on the fixture cluster and a Kafka client `name` in `apps`, to grant the topic to. */
function topicAndClient(
  chart: Chart,
  topicName: string,
  name: string,
): { topic: KafkaTopic; client: IKafkaClient } {
  const { apps, kafka } = kafkaFixture(chart);
  const topic = new KafkaTopic(chart, 'Topic', { cluster: kafka, topicName, ...settings });
  const identity = new MeshIdentity(chart, 'Id', { namespace: apps, name });
  const kafkaUser = new KafkaClientUser(chart, 'User', { cluster: kafka, identity });
  return { topic, client: asKafkaClient(identity, kafkaUser) };
}

describe('KafkaTopic', { timeout: 30_000 }, () => {
  it('is a KafkaTopic for the cluster with partitions, replicas, retention, min ISR and the size budget', () => {
    const objects = synthTopic();

    const topic = findObject(objects, 'KafkaTopic', 'documents.parsed', 'kafka');
    expect(topic.metadata.labels).toEqual({ 'strimzi.io/cluster': 'meshrag' });
    expect(topic.spec).toEqual({
      partitions: 12,
      replicas: 3,
      config: {
        'retention.ms': 604_800_000,
        'min.insync.replicas': 2,
        'max.message.bytes': RecordSizeBudget.maxMessageBytes,
      },
    });
    expect(validateManifest(topic)).toEqual([]);
  });

  it('grants consume as Read and Describe on the topic and Read on the group, and records it', () => {
    const objects = synthChart((chart) => {
      const { topic, client } = topicAndClient(chart, 'documents.parsed', 'reader');
      topic.grantConsume(client, { group: 'readers' });
      expect(collectGrants(chart)).toEqual([
        {
          kind: 'kafka',
          grantee: 'cluster.local/ns/apps/sa/reader',
          kafkaUser: 'reader',
          cluster: 'meshrag',
          topic: 'documents.parsed',
          operations: ['Describe', 'Read'],
          group: 'readers',
        },
      ]);
    });

    const user = findObject(objects, 'KafkaUser', 'reader', 'apps');
    expect(user.spec.authorization.acls).toEqual([
      {
        resource: { type: 'topic', name: 'documents.parsed', patternType: 'literal' },
        operations: ['Describe', 'Read'],
        host: '*',
      },
      {
        resource: { type: 'group', name: 'readers', patternType: 'literal' },
        operations: ['Read'],
        host: '*',
      },
    ]);
    expect(
      findObject(objects, 'NetworkPolicy', 'meshrag-kafka-from-reader-9093', 'kafka'),
    ).toBeDefined();
    expect(validateManifest(user)).toEqual([]);
  });

  it('grants produce as Write and Describe on the topic, without a group', () => {
    const objects = synthChart((chart) => {
      const { topic, client } = topicAndClient(chart, 'chunks.embedded', 'writer');
      topic.grantProduce(client);
      expect(collectGrants(chart)[0]).not.toHaveProperty('group');
    });

    expect(findObject(objects, 'KafkaUser', 'writer').spec.authorization.acls).toEqual([
      {
        resource: { type: 'topic', name: 'chunks.embedded', patternType: 'literal' },
        operations: ['Describe', 'Write'],
        host: '*',
      },
    ]);
  });

  const failing: [string, Partial<KafkaTopicProps>, RegExp][] = [
    ['partitions < 1', { partitions: 0 }, /partitions must be a whole number >= 1, got 0/],
    [
      'replicas exceed the brokers',
      { replicas: 4, minInsyncReplicas: 2 },
      /replicas must be a whole number between 1 and 3, got 4/,
    ],
    [
      'min.insync.replicas >= replicas',
      { minInsyncReplicas: 3 },
      /min.insync.replicas \(3\) must be below the replica count \(3\)/,
    ],
    [
      'min.insync.replicas > replicas with one replica',
      { replicas: 1, minInsyncReplicas: 2 },
      /min.insync.replicas \(2\)/,
    ],
    [
      'retention.ms is not positive',
      { retentionMs: 0 },
      /retention.ms must be a whole number >= 1/,
    ],
    [
      'the name is not a DNS-1123 subdomain',
      { topicName: 'Documents_Parsed' },
      /KafkaTopic name 'Documents_Parsed'/,
    ],
  ];
  for (const [what, override, error] of failing) {
    it(`fails when ${what}`, () => {
      expect(() => synthTopic(override)).toThrow(error);
    });
  }

  it('accepts one replica with min ISR 1 (dev)', () => {
    expect(() => synthTopic({ topicName: 't', replicas: 1, minInsyncReplicas: 1 })).not.toThrow();
  });

  it('fails when the consumer group name is not a Kafka group id', () => {
    expect(() =>
      synthChart((chart) => {
        const { topic, client } = topicAndClient(chart, 't', 'reader');
        topic.grantConsume(client, { group: 'bad group' });
      }),
    ).toThrow(/consumer group 'bad group'/);
  });
});

describe('KafkaTopic max.message.bytes', () => {
  it('fails when max.message.bytes is not a positive integer', () => {
    expect(() => synthTopic({ maxMessageBytes: 0 })).toThrow(/max.message.bytes/);
  });
});
