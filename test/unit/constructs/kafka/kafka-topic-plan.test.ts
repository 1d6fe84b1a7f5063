import { describe, expect, it } from 'vitest';
import { allLifecycleTopics } from '../../../../app/common/topics.js';
import {
  PRODUCTION_TOPIC_SETTINGS,
  uniformTopicPlan,
  validateTopicSettings,
} from '../../../../constructs/kafka/kafka-topic-plan.js';
import { LifecycleTopicSet } from '../../../../constructs/kafka/lifecycle-topic-set.js';
import { kafkaFixture } from '../../../helpers/kafka-fixture.js';
import { objectsOfKind, synthChart } from '../../../helpers/synth-chart.js';

describe('KafkaTopicPlan', () => {
  it('holds the production settings: 12 partitions, 3 replicas, min ISR 2, 7 days', () => {
    expect(PRODUCTION_TOPIC_SETTINGS).toEqual({
      partitions: 12,
      replicas: 3,
      minInsyncReplicas: 2,
      retentionMs: 7 * 24 * 60 * 60 * 1000,
    });
  });

  it('becomes one KafkaTopic per lifecycle topic, named from app/common/topics.ts', () => {
    const objects = synthChart((chart) => {
      const { kafka } = kafkaFixture(chart);
      new LifecycleTopicSet(chart, 'Topics', {
        cluster: kafka,
        plan: uniformTopicPlan(PRODUCTION_TOPIC_SETTINGS),
      });
    });

    const topics = objectsOfKind(objects, 'KafkaTopic');
    expect(topics.map((t) => t.metadata.name).sort()).toEqual([...allLifecycleTopics].sort());
    for (const t of topics) expect(t.spec.partitions).toBe(12);
  });

  it('fails when settings cannot work on the cluster', () => {
    expect(() =>
      validateTopicSettings('t', { ...PRODUCTION_TOPIC_SETTINGS, replicas: 3 }, 1),
    ).toThrow(/replicas must be a whole number between 1 and 1, got 3/);
    expect(() =>
      validateTopicSettings('t', { ...PRODUCTION_TOPIC_SETTINGS, partitions: 1.5 }, 3),
    ).toThrow(/partitions/);
  });
});
