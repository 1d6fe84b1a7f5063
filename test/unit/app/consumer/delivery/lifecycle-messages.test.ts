import { describe, expect, it } from 'vitest';
import { InvalidEnvelopeError } from '../../../../../app/common/envelope.js';
import { LifecycleTopics } from '../../../../../app/common/topics.js';
import {
  DlqHeaders,
  deadLetter,
  describeFailure,
  failedEvent,
  type InputRecord,
  indexedEvent,
} from '../../../../../app/consumer/src/delivery/lifecycle-messages.js';
import { EmbedderRequestError } from '../../../../../app/consumer/src/errors.js';
import { RetriesExhaustedError } from '../../../../../app/consumer/src/retry.js';

const record: InputRecord = {
  topic: 'documents.parsed',
  partition: 4,
  offset: '1234',
  key: Buffer.from('doc-9'),
  value: Buffer.from([0xff, 0x00]),
  timestamp: '1795000000000',
};
const now = new Date('2026-11-23T10:00:00.000Z');

describe('deadLetter', () => {
  it('keeps key and value byte for byte and puts the failure in headers', () => {
    const failure = describeFailure(new InvalidEnvelopeError('invalid-utf8', 'not UTF-8'), 1);
    const message = deadLetter(record, failure, now);
    expect(message.topic).toBe(LifecycleTopics.dlq);
    expect(message.key).toBe(record.key);
    expect(message.value).toBe(record.value);
    expect(message.headers).toEqual({
      [DlqHeaders.errorClass]: 'InvalidEnvelopeError',
      [DlqHeaders.reason]: 'invalid-utf8',
      [DlqHeaders.message]: 'not UTF-8',
      [DlqHeaders.attempts]: '1',
      [DlqHeaders.originalTopic]: 'documents.parsed',
      [DlqHeaders.originalPartition]: '4',
      [DlqHeaders.originalOffset]: '1234',
      [DlqHeaders.originalTimestamp]: '1795000000000',
      [DlqHeaders.failedAt]: '2026-11-23T10:00:00.000Z',
    });
    expect(message.headers).toMatchSnapshot();
  });

  it('reports the underlying error and attempts of exhausted retries', () => {
    const inner = new EmbedderRequestError('embedder answered 500', 500, { retriable: true });
    const failure = describeFailure(new RetriesExhaustedError(inner, 3), 3);
    expect(failure).toEqual({
      errorClass: 'EmbedderRequestError',
      reason: 'retries-exhausted',
      message: 'embedder answered 500',
      attempts: 3,
    });
  });

  it('calls a non-retriable failure by its name', () => {
    const failure = describeFailure(new EmbedderRequestError('413 too many', 413), 1);
    expect(failure.reason).toBe('non-retriable');
  });

  it('truncates long messages so headers stay small', () => {
    const failure = describeFailure(new Error('x'.repeat(5000)), 1);
    expect(deadLetter(record, failure, now).headers?.[DlqHeaders.message]).toHaveLength(1000);
  });
});

describe('lifecycle events', () => {
  it('keys documents.failed by the document id, falling back to the record key', () => {
    const failure = describeFailure(new InvalidEnvelopeError('invalid-json', 'bad'), 1);
    expect(failedEvent(record, undefined, failure, now).key).toBe('doc-9');
    const event = failedEvent(record, 'doc-1', failure, now);
    expect(event.topic).toBe(LifecycleTopics.failed);
    expect(JSON.parse(String(event.value))).toMatchObject({
      docId: 'doc-1',
      reason: 'invalid-json',
      partition: 4,
      offset: '1234',
      at: '2026-11-23T10:00:00.000Z',
    });
  });

  it('writes vectors.indexed keyed by document id', () => {
    const event = indexedEvent({ docId: 'd', chunks: 3, collection: 'c', unchanged: false }, now);
    expect(event.topic).toBe(LifecycleTopics.indexed);
    expect(event.key).toBe('d');
    expect(JSON.parse(String(event.value))).toEqual({
      type: 'vectors.indexed',
      docId: 'd',
      chunks: 3,
      collection: 'c',
      unchanged: false,
      at: '2026-11-23T10:00:00.000Z',
    });
  });
});
