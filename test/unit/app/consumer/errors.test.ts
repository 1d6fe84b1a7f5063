import { KafkaJSNonRetriableError, KafkaJSProtocolError } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { isMembershipLost, membershipLostCause } from '../../../../app/consumer/src/errors.js';

/** What `consumer.commitOffsets` throws after the group forgot the member (seen on a broker loss). */
function wrappedUnknownMember() {
  const protocol = new KafkaJSProtocolError({
    type: 'UNKNOWN_MEMBER_ID',
    code: 25,
    retriable: false,
    message: 'The coordinator is not aware of this member',
  });
  // as kafkajs' retrier does it (src/retry/index.js)
  return { protocol, wrapped: new KafkaJSNonRetriableError(protocol, { cause: protocol }) };
}

describe('membershipLostCause', () => {
  it('finds UNKNOWN_MEMBER_ID under the wrapper kafkajs puts around a failed commit', () => {
    const { protocol, wrapped } = wrappedUnknownMember();
    // the wrapper has no `type`: kafkajs' runner would crash on it instead of rejoining
    expect((wrapped as { type?: string }).type).toBeUndefined();
    expect(membershipLostCause(wrapped)).toBe(protocol);
    expect(isMembershipLost(wrapped)).toBe(true);
  });

  it('fails when an error has nothing to do with membership', () => {
    expect(membershipLostCause(new Error('boom', { cause: new Error('deeper') }))).toBeUndefined();
    expect(membershipLostCause(undefined)).toBeUndefined();
    const other = new KafkaJSProtocolError({
      type: 'NOT_ENOUGH_REPLICAS',
      code: 19,
      retriable: true,
      message: 'Messages are rejected since there are fewer in-sync replicas than required',
    });
    expect(isMembershipLost(new KafkaJSNonRetriableError(other, { cause: other }))).toBe(false);
  });
});
