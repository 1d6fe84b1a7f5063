import { describe, expect, it } from 'vitest';
import {
  contentHash,
  DEFAULT_MAX_CONTENT_BYTES,
  decodeEnvelope,
  encodeEnvelope,
  InvalidEnvelopeError,
} from '../../../../app/common/envelope.js';

const bytes = (value: unknown): Buffer => Buffer.from(JSON.stringify(value), 'utf8');

function reasonOf(raw: Uint8Array | null, maxContentBytes?: number): string {
  try {
    decodeEnvelope(raw, maxContentBytes === undefined ? {} : { maxContentBytes });
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidEnvelopeError);
    expect((error as InvalidEnvelopeError).retriable).toBe(false);
    return (error as InvalidEnvelopeError).reason;
  }
  throw new Error('expected the envelope to be refused');
}

describe('decodeEnvelope', () => {
  it('accepts the seed shape {id, content} and applies defaults', () => {
    const envelope = decodeEnvelope(bytes({ id: 'doc-1', content: 'hello' }));
    expect(envelope).toEqual({ schemaVersion: 1, id: 'doc-1', content: 'hello', metadata: {} });
  });

  it('keeps the optional fields', () => {
    const envelope = decodeEnvelope(
      bytes({
        schemaVersion: 1,
        id: 'a',
        content: 'x',
        source: 'https://example.org/a',
        tenant: 'acme',
        metadata: { lang: 'en', pages: 3, draft: false },
      }),
    );
    expect(envelope.source).toBe('https://example.org/a');
    expect(envelope.tenant).toBe('acme');
    expect(envelope.metadata).toEqual({ lang: 'en', pages: 3, draft: false });
  });

  it('accepts a 256-character id and multi-byte content', () => {
    const envelope = decodeEnvelope(bytes({ id: 'x'.repeat(256), content: 'café 東京 🎉' }));
    expect(envelope.id).toHaveLength(256);
    expect(envelope.content).toBe('café 東京 🎉');
  });

  it('fails when the value is missing', () => {
    expect(reasonOf(null)).toBe('missing-value');
    expect(reasonOf(Buffer.alloc(0))).toBe('missing-value');
  });

  it('fails when the bytes are not UTF-8', () => {
    expect(reasonOf(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]))).toBe('invalid-utf8');
    // a lone surrogate half encoded as CESU is not UTF-8 either
    expect(reasonOf(Buffer.from([0xed, 0xa0, 0x80]))).toBe('invalid-utf8');
  });

  it('fails when the value is not JSON', () => {
    expect(reasonOf(Buffer.from('{"id": "a", content'))).toBe('invalid-json');
  });

  it('fails when fields have the wrong type', () => {
    expect(reasonOf(bytes({ id: 42, content: 'x' }))).toBe('schema-violation');
    expect(reasonOf(bytes({ id: 'a', content: ['x'] }))).toBe('schema-violation');
    expect(reasonOf(bytes({ id: 'a', content: 'x', metadata: { nested: { a: 1 } } }))).toBe(
      'schema-violation',
    );
    expect(reasonOf(bytes([{ id: 'a', content: 'x' }]))).toBe('schema-violation');
    expect(reasonOf(bytes('just a string'))).toBe('schema-violation');
  });

  it('fails when a required field is missing or an unknown one is present', () => {
    expect(() => decodeEnvelope(bytes({ id: 'a' }))).toThrow(/missing required field "content"/);
    expect(() => decodeEnvelope(bytes({ id: 'a', content: 'x', body: 'y' }))).toThrow(
      /unknown field "body"/,
    );
  });

  it('fails when content is empty or only whitespace', () => {
    expect(reasonOf(bytes({ id: 'a', content: '' }))).toBe('empty-content');
    expect(reasonOf(bytes({ id: 'a', content: ' \n\t ' }))).toBe('empty-content');
  });

  it('fails when the id is empty or longer than 256 characters', () => {
    expect(reasonOf(bytes({ id: '', content: 'x' }))).toBe('invalid-id');
    expect(reasonOf(bytes({ id: 'x'.repeat(257), content: 'x' }))).toBe('invalid-id');
  });

  it('fails when the content is over the configured size', () => {
    expect(reasonOf(bytes({ id: 'a', content: 'é'.repeat(60) }), 100)).toBe('oversized');
    expect(reasonOf(bytes({ id: 'a', content: 'x'.repeat(1000) }), 999)).toBe('oversized');
    expect(() =>
      decodeEnvelope(bytes({ id: 'a', content: 'x'.repeat(1000) }), { maxContentBytes: 1000 }),
    ).not.toThrow();
    expect(DEFAULT_MAX_CONTENT_BYTES).toBe(1024 * 1024);
  });

  it('fails when the schema version is unknown', () => {
    expect(reasonOf(bytes({ schemaVersion: 2, id: 'a', content: 'x' }))).toBe(
      'unsupported-version',
    );
  });
});

describe('encodeEnvelope', () => {
  it('round-trips through decodeEnvelope', () => {
    const raw = encodeEnvelope({ id: 'a', content: 'text', tenant: 't' });
    expect(decodeEnvelope(raw)).toEqual({
      schemaVersion: 1,
      id: 'a',
      content: 'text',
      tenant: 't',
      metadata: {},
    });
  });

  it('fails when the producer would send an invalid envelope', () => {
    expect(() => encodeEnvelope({ id: 'a', content: '' })).toThrow(InvalidEnvelopeError);
  });
});

describe('contentHash', () => {
  it('is the sha256 of the UTF-8 content', () => {
    expect(contentHash('abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
});
