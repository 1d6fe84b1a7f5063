/**
 * Reads `documents.dlq` from the beginning (or from given offsets) up to its current end,
 * with a throwaway consumer group that is deleted afterwards, so reading never moves anyone's
 * offsets. Used by `meshrag dlq` and the pipeline tests.
 */
import { randomUUID } from 'node:crypto';
import type { IHeaders, Kafka } from '../../../common/kafka.js';
import { RecordSizeBudget } from '../../../common/record-size-budget.js';
import { LifecycleTopics } from '../../../common/topics.js';
import { DlqHeaders } from './lifecycle-messages.js';

export interface DeadLetter {
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: Buffer | null;
  readonly errorClass: string;
  readonly reason: string;
  readonly message: string;
  readonly attempts: number;
  readonly originalTopic: string;
  readonly originalPartition: number;
  readonly originalOffset: string;
  readonly failedAt: string;
}

export interface ReadDeadLettersOptions {
  /**
   * Start offsets per partition (inclusive); partitions not listed start at the beginning.
   * @default - every partition from the beginning
   */
  readonly fromOffsets?: ReadonlyMap<number, string>;
  /**
   * Give up waiting for the end after this long.
   * @default 30_000
   */
  readonly timeoutMs?: number;
}

export async function readDeadLetters(
  kafka: Kafka,
  options: ReadDeadLettersOptions = {},
): Promise<DeadLetter[]> {
  const topic = LifecycleTopics.dlq;
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `meshrag-dlq-reader-${randomUUID()}`;
  const consumer = kafka.consumer({
    groupId,
    allowAutoTopicCreation: false,
    // A dead letter can be the largest record there is, plus headers.
    maxBytesPerPartition: RecordSizeBudget.fetchMaxBytesPerPartition,
    maxBytes: RecordSizeBudget.fetchMaxBytes,
  });
  try {
    if (!(await admin.listTopics()).includes(topic)) return [];
    const ends = await admin.fetchTopicOffsets(topic);
    const remaining = new Map<number, bigint>();
    for (const end of ends) {
      const start = BigInt(options.fromOffsets?.get(end.partition) ?? end.low);
      if (BigInt(end.high) > start) remaining.set(end.partition, BigInt(end.high));
    }
    if (remaining.size === 0) return [];
    const letters: DeadLetter[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    let finish: () => void = () => {};
    const done = new Promise<void>((resolve) => {
      finish = resolve;
    });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const start = BigInt(options.fromOffsets?.get(batch.partition) ?? '0');
        const end = remaining.get(batch.partition);
        for (const message of batch.messages) {
          const offset = BigInt(message.offset);
          if (offset < start || end === undefined || offset >= end) continue;
          letters.push(toDeadLetter(batch.partition, message.offset, message));
        }
        if (end !== undefined && BigInt(batch.lastOffset()) + 1n >= end) {
          remaining.delete(batch.partition);
          if (remaining.size === 0) finish();
        }
      },
    });
    const timeoutMs = options.timeoutMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      done,
      new Promise<void>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`reading ${topic} did not reach its end in ${timeoutMs} ms`)),
          timeoutMs,
        );
      }),
    ]).finally(() => clearTimeout(timer));
    return letters.sort(
      (a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)),
    );
  } finally {
    await consumer.disconnect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
}

function toDeadLetter(
  partition: number,
  offset: string,
  message: { key: Buffer | null; value: Buffer | null; headers?: IHeaders },
): DeadLetter {
  const header = (name: string): string => {
    const value = message.headers?.[name];
    const first = Array.isArray(value) ? value[0] : value;
    return first === undefined ? '' : first.toString();
  };
  return {
    partition,
    offset,
    key: message.key?.toString('utf8') ?? null,
    value: message.value,
    errorClass: header(DlqHeaders.errorClass),
    reason: header(DlqHeaders.reason),
    message: header(DlqHeaders.message),
    attempts: Number(header(DlqHeaders.attempts) || '0'),
    originalTopic: header(DlqHeaders.originalTopic),
    originalPartition: Number(header(DlqHeaders.originalPartition) || '-1'),
    originalOffset: header(DlqHeaders.originalOffset),
    failedAt: header(DlqHeaders.failedAt),
  };
}
