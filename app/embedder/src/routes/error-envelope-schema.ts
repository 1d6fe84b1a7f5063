/** The one error body every route answers with; see `errors.ts` for the status mapping. */
import { Type } from 'typebox';

export const ErrorEnvelopeSchema = Type.Object(
  {
    error: Type.String(),
    error_type: Type.String({
      description:
        'empty, validation, tokenizer, backend, overloaded, unhealthy, not_found or internal',
    }),
  },
  { description: "TEI's error body" },
);

/** Every error status a route may answer, for its response schema (and the OpenAPI document). */
export const ErrorResponsesSchema = {
  '4xx': ErrorEnvelopeSchema,
  '5xx': ErrorEnvelopeSchema,
} as const;
