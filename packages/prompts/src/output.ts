import type { ResponseFormatJSONSchema } from 'openai/resources/shared';
import type { ValidateFunction } from 'ajv/dist/2020';
import { describeError, errorSubject, newAjv } from './json-schema';
import type { PromptMessage } from './types';

export type OutputResult = { ok: true; value: unknown } | { ok: false; error: string };

/** Models often wrap JSON in one markdown fence even when told not to; that much is tolerated, nothing more. */
const FENCED = /^```[a-zA-Z]*[ \t]*\r?\n([\s\S]*?)\r?\n?```$/;
const MAX_REPORTED_ERRORS = 5;

export function outputParser(schema: Record<string, unknown> | null | undefined): (text: string) => OutputResult {
  if (schema == null) return (text) => ({ ok: true, value: text });
  const validate: ValidateFunction = newAjv({ useDefaults: false }).compile(schema);
  return (text) => {
    const trimmed = text.trim();
    const body = FENCED.exec(trimmed)?.[1] ?? trimmed;
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch (err) {
      return { ok: false, error: `output is not valid JSON: ${(err as SyntaxError).message}` };
    }
    if (validate(value)) return { ok: true, value };
    const errors = (validate.errors ?? []).slice(0, MAX_REPORTED_ERRORS).map((e) => `${pointer(errorSubject(e))}: ${describeError(e)}`);
    return { ok: false, error: `output does not match the output schema: ${errors.join('; ')}` };
  };
}

/** A JSON pointer for people: the root is spelled out because "" reads as nothing. */
function pointer(segments: string[]): string {
  if (segments.length === 0) return '(root)';
  return segments.map((s) => `/${s.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/**
 * The follow-up for the single repair retry: the model sees its own answer and the exact validation error,
 * which fixes most near-misses (a missing field, a string for a number) in one round.
 */
export function buildRepairMessages(
  schema: Record<string, unknown> | null | undefined,
  rendered: PromptMessage[],
  badOutput: string,
  error: string,
): PromptMessage[] {
  const want = schema == null ? 'Answer again.' : `Answer again with only JSON that matches this JSON Schema — no prose, no code fences:\n${JSON.stringify(schema)}`;
  return [
    ...rendered,
    { role: 'assistant', content: badOutput },
    { role: 'user', content: `Your previous answer was not usable: ${error}\n\n${want}` },
  ];
}

/** OpenAI Chat Completions structured output; strict:false because strict mode accepts only a subset of JSON Schema. */
export function responseFormatFor(schema: Record<string, unknown> | null | undefined): { response_format?: ResponseFormatJSONSchema } {
  if (schema == null) return {};
  return { response_format: { type: 'json_schema', json_schema: { name: 'output', schema, strict: false } } };
}
