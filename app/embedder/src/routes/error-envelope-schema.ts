/** The one error body every route answers with; see `errors.ts` for the status mapping. */
import { Type } from 'typebox';

export const ErrorEnvelopeSchema = Type.Object({
  error: Type.String(),
  error_type: Type.String(),
});
