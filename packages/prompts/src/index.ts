// @tollgate/prompts: the prompt engine. Pure: no I/O, no database, no HTTP — the portal stores specs, the
// gateway calls providers; this package decides what a valid prompt is and what a call sends and accepts.
export type { PromptMessage, PromptSpec, SpecIssue, VariableIssue, SpecChange } from './types';
export { checkPromptSpec } from './check-spec';
export { compilePrompt, placeholders, InvalidPromptSpecError, type CompiledPrompt } from './compile';
export { diffPromptSpecs } from './diff';
export { promptLimits, type PromptLimits } from './limits';
export { describeVariableIssues } from './variables';
export type { OperationOptions } from './openapi';
