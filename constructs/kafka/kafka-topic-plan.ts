import type { LifecycleTopicRole } from '../../app/common/topics.js';
import { validateInteger } from '../common/validate.js';
import { validateMinInsyncReplicas } from './kafka-cluster.js';

/** How one topic is laid out and kept. */
export interface KafkaTopicSettings {
  readonly partitions: number;
  readonly replicas: number;
  /** `retention.ms`. */
  readonly retentionMs: number;
  /** `min.insync.replicas`; below `replicas` when there is more than one replica. */
  readonly minInsyncReplicas: number;
}

/** The topic plan of a stack, as data: settings for each lifecycle topic. */
export type KafkaTopicPlan = Readonly<Record<LifecycleTopicRole, KafkaTopicSettings>>;

const DAY_MS = 24 * 60 * 60 * 1000;

/** Production: 12 partitions, 3 replicas, min ISR 2, 7 days. */
export const PRODUCTION_TOPIC_SETTINGS: KafkaTopicSettings = {
  partitions: 12,
  replicas: 3,
  retentionMs: 7 * DAY_MS,
  minInsyncReplicas: 2,
};

/** The same settings for every lifecycle topic. */
export function uniformTopicPlan(settings: KafkaTopicSettings): KafkaTopicPlan {
  return {
    parsed: settings,
    embedded: settings,
    indexed: settings,
    failed: settings,
    dlq: settings,
  };
}

/** Throws when a topic's settings cannot work on a cluster with `brokers` brokers. */
export function validateTopicSettings(
  topic: string,
  settings: KafkaTopicSettings,
  brokers: number,
): void {
  validateInteger(`topic ${topic} partitions`, settings.partitions, 1);
  validateInteger(`topic ${topic} replicas`, settings.replicas, 1, brokers);
  validateInteger(`topic ${topic} retention.ms`, settings.retentionMs, 1);
  validateMinInsyncReplicas(`topic ${topic}`, settings.minInsyncReplicas, settings.replicas);
}
