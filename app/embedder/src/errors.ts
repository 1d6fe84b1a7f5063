/**
 * Every error the embedder answers with, and the one place that maps them to HTTP: the
 * envelope `{ error, error_type }` and the status codes text-embeddings-inference uses, so a
 * client written for TEI reads our errors unchanged.
 * @see https://github.com/huggingface/text-embeddings-inference/blob/main/router/src/http/server.rs
 */
import type { FastifyError } from 'fastify';

/** TEI's error types (snake_case on the wire). */
export type EmbedderErrorType =
  | 'empty'
  | 'validation'
  | 'tokenizer'
  | 'backend'
  | 'overloaded'
  | 'unhealthy'
  | 'not_found'
  | 'internal';

export interface ErrorEnvelope {
  readonly error: string;
  readonly error_type: EmbedderErrorType;
}

/** Base class: every subclass fixes its status code and error type. */
export abstract class EmbedderError extends Error {
  abstract readonly statusCode: number;
  abstract readonly errorType: EmbedderErrorType;
  /** Whether the same request may succeed later (429, 503). */
  readonly retriable: boolean = false;

  toEnvelope(): ErrorEnvelope {
    return { error: this.message, error_type: this.errorType };
  }
}

/** 400: no inputs, or an empty string among them. */
export class EmptyInputError extends EmbedderError {
  override readonly name = 'EmptyInputError';
  readonly statusCode = 400;
  readonly errorType = 'empty';
}

/** 400: the body is not JSON, or the path is not valid percent-encoding. */
export class MalformedBodyError extends EmbedderError {
  override readonly name = 'MalformedBodyError';
  readonly statusCode = 400;
  readonly errorType = 'validation';
}

/** 413: more inputs than `maxClientBatchSize`, an input past the token limit with truncate=false, or a body past `bodyLimitBytes`. */
export class PayloadTooLargeError extends EmbedderError {
  override readonly name = 'PayloadTooLargeError';
  readonly statusCode = 413;
  readonly errorType = 'validation';
}

/** 415: the body is not `application/json`. */
export class UnsupportedMediaTypeError extends EmbedderError {
  override readonly name = 'UnsupportedMediaTypeError';
  readonly statusCode = 415;
  readonly errorType = 'validation';
}

/** 422: the body does not match the route's schema. */
export class ValidationError extends EmbedderError {
  override readonly name = 'ValidationError';
  readonly statusCode = 422;
  readonly errorType = 'validation';
}

/** 422: the tokenizer could not encode an input. */
export class TokenizationError extends EmbedderError {
  override readonly name = 'TokenizationError';
  readonly statusCode = 422;
  readonly errorType = 'tokenizer';
}

/** 424: the model backend failed while running a batch. */
export class BackendError extends EmbedderError {
  override readonly name = 'BackendError';
  readonly statusCode = 424;
  readonly errorType = 'backend';
}

/** 429: the queue already holds `maxConcurrentRequests` requests. */
export class OverloadedError extends EmbedderError {
  override readonly name = 'OverloadedError';
  readonly statusCode = 429;
  readonly errorType = 'overloaded';
  override readonly retriable = true;
}

/** 503: the model is not loaded yet, failed to load, or the service is shutting down. */
export class NotReadyError extends EmbedderError {
  override readonly name = 'NotReadyError';
  readonly statusCode = 503;
  readonly errorType = 'unhealthy';
  override readonly retriable = true;
}

/** 404: no such route. */
export class RouteNotFoundError extends EmbedderError {
  override readonly name = 'RouteNotFoundError';
  readonly statusCode = 404;
  readonly errorType = 'not_found';
}

/** 500: a bug, not a bad request and not the model; logged with its stack. */
export class InternalError extends EmbedderError {
  override readonly name = 'InternalError';
  readonly statusCode = 500;
  readonly errorType = 'internal';
}

/**
 * Turns anything thrown while serving a request into an EmbedderError: ours pass through,
 * fastify's own errors (schema validation, body parsing, body limit) are mapped by code, and
 * anything else is an internal error (500).
 */
export function toEmbedderError(error: unknown): EmbedderError {
  if (error instanceof EmbedderError) return error;
  const fastifyError = error as Partial<FastifyError> & { validation?: unknown };
  const message = fastifyError.message ?? String(error);
  if (fastifyError.validation) return new ValidationError(message);
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new PayloadTooLargeError(message);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new UnsupportedMediaTypeError(message);
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new MalformedBodyError(message);
  }
  if (error instanceof SyntaxError || fastifyError.statusCode === 400) {
    return new MalformedBodyError(message);
  }
  // A bug's message can carry internals (paths, stack fragments, other requests' data): it is
  // logged by the error handler, never sent to the client.
  return new InternalError('internal error; the embedder log has the details');
}
