import { describeVariableIssues, type CompiledPrompt } from '@tollgate/prompts';
import { invalidRequest } from '../errors';
import { parseJsonObject } from '../forward/request-body';

export interface PromptCall {
  values: Record<string, unknown>;
  stream: boolean;
}

const allowedKeys = new Set(['variables', 'stream']);

/**
 * A prompt API's request body: `{"variables": {...}, "stream"?: boolean}`. The variables are checked against
 * the prompt's declared schema (defaults filled in); every refusal is a 400 that names the field or variable.
 */
export function readPromptBody(text: string, compiled: CompiledPrompt): PromptCall {
  const body = parseJsonObject(text);
  for (const key of Object.keys(body)) {
    if (!allowedKeys.has(key)) throw invalidRequest(`Unknown field '${key}': send {"variables": {...}} and optionally "stream": true.`, key, 'unknown_field');
  }
  if (body.stream !== undefined && typeof body.stream !== 'boolean') throw invalidRequest("'stream' must be true or false.", 'stream');
  const checked = compiled.validateVariables(body.variables ?? {});
  if (!checked.ok) {
    const first = checked.issues[0]?.variable;
    throw invalidRequest(`Invalid variables: ${describeVariableIssues(checked.issues)}`, first ? `variables.${first}` : 'variables', 'invalid_variables');
  }
  return { values: checked.values, stream: body.stream === true };
}
