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
    const mapped = toEmbedderError(new TypeError('x is undefined'));
    expect(mapped).toBeInstanceOf(InternalError);
    expect(mapped.statusCode).toBe(500);
    expect(mapped.toEnvelope()).toEqual({ error: 'x is undefined', error_type: 'internal' });
    expect(new BackendError('run failed').statusCode).toBe(424);
  });
});
