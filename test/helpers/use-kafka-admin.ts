/**
 * A Kafka client and its admin for the tests of one describe block: the admin connects before
 * the block's tests and disconnects after them. Call it in the body of a `describe`.
 */
import { afterAll, beforeAll } from 'vitest';
import { type Admin, createKafka, type Kafka } from '../../app/common/kafka.js';

export function useKafkaAdmin(
  brokers: readonly string[],
  clientId: string,
): { kafka: Kafka; admin: Admin } {
  const kafka = createKafka({ brokers, clientId });
  const admin = kafka.admin();
  beforeAll(async () => {
    await admin.connect();
  });
  afterAll(async () => {
    await admin.disconnect();
  });
  return { kafka, admin };
}
