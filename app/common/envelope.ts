/**
 * The document envelope: what a record on `documents.parsed` carries, as a versioned schema.
 * The consumer decodes every record through `decodeEnvelope`, and `meshrag ingest` encodes
 * through `encodeEnvelope`, so producer and consumer cannot drift. A bad record is never a
 * crash and never a silent drop: it is an `InvalidEnvelopeError` whose `reason` says why, and
 * the consumer sends it to the dead-letter topic.
 */
import { createHash } from 'node:crypto';
import { Ajv, type ErrorObject } from 'ajv';
import { type Static, Type } from 'typebox';
import { maxValueBytesFor, RecordSizeBudget } from './record-size-budget.js';

/** The schema version this code writes and the newest it reads. */
export const ENVELOPE_SCHEMA_VERSION = 1;

/** Ids are bounded so `<id>#<chunk>` stays a reasonable Chroma id and Kafka key. */
export const MAX_DOCUMENT_ID_CHARS = 256;

/** @default 1 MiB of UTF-8 content per document (`RecordSizeBudget.maxContentBytes`) */
export const DEFAULT_MAX_CONTENT_BYTES = RecordSizeBudget.maxContentBytes;

const MetadataValue = Type.Union([Type.String({ maxLength: 1024 }), Type.Number(), Type.Boolean()]);

export const DocumentEnvelopeSchema = Type.Object(
  {
    /** @default 1 */
    schemaVersion: Type.Optional(Type.Literal(ENVELOPE_SCHEMA_VERSION)),
    id: Type.String({ minLength: 1, maxLength: MAX_DOCUMENT_ID_CHARS }),
    /** Must hold at least one non-whitespace character. */
    content: Type.String({ minLength: 1 }),
    /** Where the document came from (a URL, a path, a system name). */
    source: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
    /** Whose document it is; the indexer records it on every chunk. */
    tenant: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    /** A flat map of scalars, copied onto every chunk (nested values are rejected). */
    metadata: Type.Optional(
      Type.Record(Type.String({ minLength: 1, maxLength: 128 }), MetadataValue, {
        maxProperties: 64,
      }),
    ),
  },
  { additionalProperties: false },
);

/** An envelope as written by a producer (optional fields may be missing). */
export type DocumentEnvelopeInput = Static<typeof DocumentEnvelopeSchema>;

/** A decoded envelope, with defaults applied. */
export interface DocumentEnvelope {
  readonly schemaVersion: typeof ENVELOPE_SCHEMA_VERSION;
  readonly id: string;
  readonly content: string;
  readonly source?: string;
  readonly tenant?: string;
  readonly metadata: Readonly<Record<string, string | number | boolean>>;
}

/** Why an envelope was refused; stable strings, they end up in DLQ headers and metrics. */
export type EnvelopeErrorReason =
  | 'missing-value'
  | 'invalid-utf8'
  | 'invalid-json'
  | 'oversized'
  | 'empty-content'
  | 'invalid-id'
  | 'unsupported-version'
  | 'schema-violation';

/** A record that can never be ingested as it is; retrying it cannot help. */
export class InvalidEnvelopeError extends Error {
  override readonly name = 'InvalidEnvelopeError';
  readonly retriable = false;
  constructor(
    readonly reason: EnvelopeErrorReason,
    message: string,
  ) {
    super(message);
  }
}

export interface EnvelopeOptions {
  /**
   * Largest accepted `content`, in UTF-8 bytes. The whole record may be larger (escapes and
   * the other fields); it is refused unread when over `maxValueBytesFor(maxContentBytes)`.
   * @default DEFAULT_MAX_CONTENT_BYTES
   */
  readonly maxContentBytes?: number;
}

const validate = new Ajv({ allErrors: false, strict: false }).compile(DocumentEnvelopeSchema);
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * Decodes and validates one record value.
 * @throws InvalidEnvelopeError with the reason and where in the record the problem is
 */
export function decodeEnvelope(
  raw: Uint8Array | null | undefined,
  options: EnvelopeOptions = {},
): DocumentEnvelope {
  const maxContentBytes = options.maxContentBytes ?? DEFAULT_MAX_CONTENT_BYTES;
  if (raw == null || raw.byteLength === 0) {
    throw new InvalidEnvelopeError('missing-value', 'record has no value (null or empty)');
  }
  // JSON escapes can only make the record larger than its content, never smaller by much, so
  // a record over the value budget is refused before it is parsed.
  const maxValueBytes = maxValueBytesFor(maxContentBytes);
  if (raw.byteLength > maxValueBytes) {
    throw new InvalidEnvelopeError(
      'oversized',
      `record is ${raw.byteLength} bytes; a record may be at most ${maxValueBytes} bytes (content at most ${maxContentBytes})`,
    );
  }
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    throw new InvalidEnvelopeError(
      'invalid-utf8',
      `record value is not valid UTF-8 (${raw.byteLength} bytes)`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new InvalidEnvelopeError(
      'invalid-json',
      `record value is not JSON: ${(cause as Error).message}`,
    );
  }
  return validateEnvelope(parsed, { maxContentBytes });
}

/**
 * Validates an already parsed value, applying defaults.
 * @throws InvalidEnvelopeError
 */
export function validateEnvelope(value: unknown, options: EnvelopeOptions = {}): DocumentEnvelope {
  const maxContentBytes = options.maxContentBytes ?? DEFAULT_MAX_CONTENT_BYTES;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidEnvelopeError(
      'schema-violation',
      `envelope must be a JSON object with "id" and "content", got ${Array.isArray(value) ? 'an array' : typeof value}`,
    );
  }
  const candidate = value as Record<string, unknown>;
  if (
    candidate.schemaVersion !== undefined &&
    candidate.schemaVersion !== ENVELOPE_SCHEMA_VERSION
  ) {
    throw new InvalidEnvelopeError(
      'unsupported-version',
      `schemaVersion ${JSON.stringify(candidate.schemaVersion)} is not supported; this consumer reads ${ENVELOPE_SCHEMA_VERSION}`,
    );
  }
  if (!validate(value)) {
    throw describeSchemaError(validate.errors?.[0]);
  }
  const envelope = value as DocumentEnvelopeInput;
  if (!/\S/u.test(envelope.content)) {
    throw new InvalidEnvelopeError('empty-content', `document "${envelope.id}" has empty content`);
  }
  const contentBytes = Buffer.byteLength(envelope.content, 'utf8');
  if (contentBytes > maxContentBytes) {
    throw new InvalidEnvelopeError(
      'oversized',
      `document "${envelope.id}" content is ${contentBytes} bytes; the limit is ${maxContentBytes}`,
    );
  }
  return {
    schemaVersion: ENVELOPE_SCHEMA_VERSION,
    id: envelope.id,
    content: envelope.content,
    ...(envelope.source !== undefined ? { source: envelope.source } : {}),
    ...(envelope.tenant !== undefined ? { tenant: envelope.tenant } : {}),
    metadata: envelope.metadata ?? {},
  };
}

/**
 * Validates and serialises an envelope for producing.
 * @throws InvalidEnvelopeError when the producer is about to send something the consumer refuses
 */
export function encodeEnvelope(value: unknown, options: EnvelopeOptions = {}): Buffer {
  const envelope = validateEnvelope(value, options);
  return Buffer.from(JSON.stringify(envelope), 'utf8');
}

/** sha256 of the document content (hex); recorded on every chunk to detect changes. */
export function contentHash(content: string): string {
  return createHash('sha256').update(content, 'utf8').digest('hex');
}

function describeSchemaError(error: ErrorObject | undefined): InvalidEnvelopeError {
  if (!error)
    return new InvalidEnvelopeError('schema-violation', 'envelope does not match the schema');
  const path =
    error.instancePath === '' ? 'envelope' : error.instancePath.slice(1).replaceAll('/', '.');
  if (error.keyword === 'required') {
    const missing = (error.params as { missingProperty: string }).missingProperty;
    return new InvalidEnvelopeError(
      'schema-violation',
      `envelope is missing required field "${missing}"`,
    );
  }
  if (error.keyword === 'additionalProperties') {
    const extra = (error.params as { additionalProperty: string }).additionalProperty;
    return new InvalidEnvelopeError(
      'schema-violation',
      `envelope has unknown field "${extra}"; allowed: schemaVersion, id, content, source, tenant, metadata`,
    );
  }
  if (path === 'id' && (error.keyword === 'minLength' || error.keyword === 'maxLength')) {
    return new InvalidEnvelopeError(
      'invalid-id',
      `id must be 1 to ${MAX_DOCUMENT_ID_CHARS} characters (${error.message ?? error.keyword})`,
    );
  }
  if (path === 'content' && error.keyword === 'minLength') {
    return new InvalidEnvelopeError('empty-content', 'content is empty');
  }
  if (path.startsWith('metadata.') && error.keyword === 'type') {
    return new InvalidEnvelopeError(
      'schema-violation',
      `${path} must be a string, number or boolean (metadata is a flat map of scalars)`,
    );
  }
  return new InvalidEnvelopeError('schema-violation', `${path} ${error.message ?? 'is invalid'}`);
}
