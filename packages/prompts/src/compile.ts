import { checkPromptSpec } from './check-spec';
import { promptLimits, type PromptLimits } from './limits';
import { promptOperation, type OperationOptions } from './openapi';
import { buildRepairMessages, outputParser, responseFormatFor, type OutputResult } from './output';
import { renderMessages, uniqueNames } from './template';
import type { PromptMessage, PromptSpec, SpecIssue, VariableIssue } from './types';
import { variablesValidator } from './variables';

export interface CompiledPrompt {
  spec: PromptSpec;
  validateVariables(input: unknown): { ok: true; values: Record<string, unknown> } | { ok: false; issues: VariableIssue[] };
  render(values: Record<string, unknown>): PromptMessage[];
  parseOutput(text: string): OutputResult;
  repairMessages(rendered: PromptMessage[], badOutput: string, error: string): PromptMessage[];
  /** The provider-side structured-output request fields for an OpenAI-compatible body: response_format json_schema when outputSchema is set, else {}. */
  responseFormat(): Record<string, unknown>;
  openApiOperation(o: OperationOptions): Record<string, unknown>;
}

/** compilePrompt was given a spec checkPromptSpec refuses; stored specs are checked on write, so this is a bug upstream. */
export class InvalidPromptSpecError extends Error {
  constructor(readonly issues: SpecIssue[]) {
    super(`invalid prompt spec: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
    this.name = 'InvalidPromptSpecError';
  }
}

/**
 * Compiles the schemas once so a call costs only validation and a string pass. Compile when a snapshot
 * loads, not per request. Throws InvalidPromptSpecError for a spec that does not pass checkPromptSpec.
 */
export function compilePrompt(spec: PromptSpec, limits: Partial<PromptLimits> = {}): CompiledPrompt {
  const checked = checkPromptSpec(spec);
  if (!checked.ok) throw new InvalidPromptSpecError(checked.issues);
  const effective: PromptLimits = { ...promptLimits, ...limits };
  const validateVariables = variablesValidator(spec.variables, effective);
  const parseOutput = outputParser(spec.outputSchema);
  return {
    spec,
    validateVariables,
    render: (values) => renderMessages(spec.messages, values),
    parseOutput,
    repairMessages: (rendered, badOutput, error) => buildRepairMessages(spec.outputSchema, rendered, badOutput, error),
    responseFormat: () => responseFormatFor(spec.outputSchema),
    openApiOperation: (o) => promptOperation(spec, o),
  };
}

/** Variable names used in the messages, in order of first use. */
export function placeholders(spec: PromptSpec): string[] {
  return uniqueNames(spec.messages);
}
