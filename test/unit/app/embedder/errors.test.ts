import { describe, expect, it } from 'vitest';
import {
  BackendError,
  InternalError,
  MalformedBodyError,
  OverloadedError,
  PayloadTooLargeError,
  toEmbedderError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../../../../app/embedder/src/errors.js';

describe('toEmbedderError', () => {
  it('keeps embedder errors and maps fastify errors by code', () => {
    const overloaded = new OverloadedError('full');
    expect(toEmbedderError(overloaded)).toBe(overloaded);
    expect(
      toEmbedderError(Object.assign(new Error('big'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE' })),
    ).toBeInstanceOf(PayloadTooLargeError);
    expect(
      toEmbedderError(Object.assign(new Error('type'), { code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE' })),
    ).toBeInstanceOf(UnsupportedMediaTypeError);
    expect(
      toEmbedderError(Object.assign(new Error('json'), { code: 'FST_ERR_CTP_INVALID_JSON_BODY' })),
    ).toBeInstanceOf(MalformedBodyError);
    expect(
      toEmbedderError(Object.assign(new Error('schema'), { validation: [{}] })),
    ).toBeInstanceOf(ValidationError);
  });

  it('treats an unexpected exception as an internal error (500), not a backend failure', () => {
    const mapped = toEmbedderError(new TypeError('x is undefined at /srv/app/secret.ts:12'));
    expect(mapped).toBeInstanceOf(InternalError);
    expect(mapped.statusCode).toBe(500);
    // the client never sees the internal message (issue 10); the handler logs it
    expect(mapped.toEnvelope()).toEqual({
      error: 'internal error; the embedder log has the details',
      error_type: 'internal',
    });
    expect(JSON.stringify(mapped.toEnvelope())).not.toContain('secret');
    expect(new BackendError('run failed').statusCode).toBe(424);
  });
});
