/**
 * Request fields TEI's embedding routes share, declared once so every route validates them the
 * same way and the OpenAPI document describes them once.
 * @see https://github.com/huggingface/text-embeddings-inference/blob/main/router/src/http/types.rs
 */
import { Type } from 'typebox';
import { ValidationError } from '../errors.js';

/** One text or a batch of texts (TEI's `Input`; token-id inputs are not accepted). */
export const TextInputsSchema = Type.Union([Type.String(), Type.Array(Type.String())], {
  description: 'one text, or a batch of texts',
});

/** @default the server's autoTruncate */
export const TruncateSchema = Type.Optional(
  Type.Union([Type.Boolean(), Type.Null()], {
    description:
      "cut inputs past the model's 256 tokens instead of refusing them (413); null or absent: the server's default",
  }),
);

/**
 * TEI's sentence-transformers prompt; all-MiniLM-L6-v2 declares none, so any name is refused
 * (422) as TEI refuses it, rather than ignored.
 */
export const PromptNameSchema = Type.Optional(Type.Union([Type.String(), Type.Null()]));

/** Turns a JSON `inputs` field into the list of texts. */
export function textList(inputs: string | readonly string[]): readonly string[] {
  return typeof inputs === 'string' ? [inputs] : inputs;
}

/** @throws ValidationError when a prompt is named: the model has none (422, as TEI). */
export function refusePromptName(promptName: string | null | undefined): void {
  if (promptName === undefined || promptName === null) return;
  throw new ValidationError(
    `prompt_name is set to \`${promptName}\` but the model declares no prompts in its sentence-transformers configuration`,
  );
}

/** `null` and absent both mean "the server's default". */
export function optional<T>(value: T | null | undefined): T | undefined {
  return value ?? undefined;
}
