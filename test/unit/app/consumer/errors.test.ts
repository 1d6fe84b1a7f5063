import { KafkaJSNonRetriableError, KafkaJSProtocolError } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { isMembershipLost, membershipLostCause } from '../../../../app/consumer/src/errors.js';

// kafkajs' typings leave out the constructor arguments its own code passes
const ProtocolError = KafkaJSProtocolError as unknown as new (e: {
  type: string;
  code: number;
  retriable: boolean;
  message: string;
}) => Error;
const NonRetriableError = KafkaJSNonRetriableError as unknown as new (
  e: Error,
  options: { cause: Error },
) => Error;

/** What `consumer.commitOffsets` throws after the group forgot the member (seen on a broker loss). */
function wrappedUnknownMember() {
  const protocol = new ProtocolError({
    type: 'UNKNOWN_MEMBER_ID',
    code: 25,
    retriable: false,
    message: 'The coordinator is not aware of this member',
  });
  // as kafkajs' retrier does it (src/retry/index.js)
  return { protocol, wrapped: new NonRetriableError(protocol, { cause: protocol }) };
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
    const other = new ProtocolError({
      type: 'NOT_ENOUGH_REPLICAS',
      code: 19,
      retriable: true,
      message: 'Messages are rejected since there are fewer in-sync replicas than required',
    });
    expect(isMembershipLost(new NonRetriableError(other, { cause: other }))).toBe(false);
  });
});
