/**
 * A unified (OpenAI Chat Completions) request → a Bedrock Converse request body. The model id travels in
 * the URL, not the body.
 *
 * As in the Anthropic adapter, every OpenAI parameter is translated, dropped by {@link DROPPED_PARAMETERS}
 * (hints that cannot change what the answer means), refused with {@link UnsupportedParameterError}, or — any
 * name not listed — passed through as it came, so Converse-native fields (`additionalModelRequestFields`,
 * `guardrailConfig`, `performanceConfig`, …) work and anything else gets Bedrock's own 400.
 */
import { UnsupportedParameterError, type ChatRequest } from '../adapter';
import { translateMessages } from './messages';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const refuse = (param: string, message: string) => new UnsupportedParameterError(param, message);

export const DROPPED_PARAMETERS: readonly string[] = [
  'frequency_penalty', 'presence_penalty', 'logit_bias', 'seed', 'stream', 'stream_options', 'store', 'metadata', 'service_tier',
  'user', 'safety_identifier', 'parallel_tool_calls', 'prompt_cache_key', 'prompt_cache_retention', 'prompt_cache_options', 'verbosity',
];

const REFUSED_PARAMETERS: Readonly<Record<string, string>> = {
  audio: 'Audio output is not supported by Bedrock Converse.',
  prediction: 'Predicted outputs are not supported by Bedrock Converse.',
  functions: "The legacy 'functions' parameter is not supported for Bedrock models; use 'tools'.",
  function_call: "The legacy 'function_call' parameter is not supported for Bedrock models; use 'tool_choice'.",
  web_search_options: "'web_search_options' is not supported for Bedrock models.",
  top_logprobs: 'Log probabilities are not supported by Bedrock Converse.',
};

const TRANSLATED = new Set([
  'model', 'messages', 'max_tokens', 'max_completion_tokens', 'temperature', 'top_p', 'stop', 'tools', 'tool_choice',
  'n', 'logprobs', 'modalities', 'response_format', 'reasoning_effort',
]);

/** `reasoning_effort` → Claude's thinking budget, sent through `additionalModelRequestFields`. */
export const THINKING_BUDGETS: Readonly<Record<string, number>> = { minimal: 1024, low: 2048, medium: 8192, high: 16384 };

function number(value: unknown, param: string, integer = false): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || (integer && (!Number.isInteger(value) || value < 1))) {
    throw refuse(param, integer ? `'${param}' must be an integer of at least 1.` : `'${param}' must be a number.`);
  }
  return value;
}

function toolConfig(r: ChatRequest): Obj | undefined {
  if (r.tools === undefined || r.tools === null) return undefined;
  if (!Array.isArray(r.tools)) throw refuse('tools', "'tools' must be an array.");
  // Converse has no "none" tool choice; leaving the tools out is the only way to forbid calling them.
  if (r.tool_choice === 'none' || r.tools.length === 0) return undefined;
  const tools = r.tools.map((t, i) => {
    if (!isObj(t) || t.type !== 'function' || !isObj(t.function) || typeof t.function.name !== 'string') {
      throw refuse(`tools[${i}]`, `'tools[${i}]' must be a function tool with a name; Bedrock models take function tools only.`);
    }
    const spec: Obj = { name: t.function.name, inputSchema: { json: isObj(t.function.parameters) ? t.function.parameters : { type: 'object', properties: {} } } };
    if (typeof t.function.description === 'string' && t.function.description !== '') spec.description = t.function.description;
    return { toolSpec: spec };
  });
  const choice = r.tool_choice;
  const config: Obj = { tools };
  if (choice === undefined || choice === null) return config;
  if (choice === 'auto') config.toolChoice = { auto: {} };
  else if (choice === 'required') config.toolChoice = { any: {} };
  else if (isObj(choice) && choice.type === 'function' && isObj(choice.function) && typeof choice.function.name === 'string') {
    config.toolChoice = { tool: { name: choice.function.name } };
  } else throw refuse('tool_choice', "'tool_choice' must be 'auto', 'none', 'required' or a function choice.");
  return config;
}

function checkRefusals(r: ChatRequest): void {
  for (const [param, message] of Object.entries(REFUSED_PARAMETERS)) {
    if (r[param] !== undefined && r[param] !== null) throw refuse(param, message);
  }
  if (r.n !== undefined && r.n !== null && r.n !== 1) throw refuse('n', "Bedrock models return one choice per request; send 'n' of 1 (or none).");
  if (r.logprobs === true) throw refuse('logprobs', 'Log probabilities are not supported by Bedrock Converse.');
  if (Array.isArray(r.modalities) && r.modalities.some((m) => m !== 'text')) throw refuse('modalities', 'Bedrock Converse answers in text only.');
  const format = r.response_format;
  if (format !== undefined && format !== null && !(isObj(format) && format.type === 'text')) {
    throw refuse('response_format', "Bedrock Converse has no structured-output mode; send 'response_format' of type 'text' or use a tool.");
  }
}

/** The Converse body for a unified chat request; `model` (the Bedrock model id) decides reasoning support. */
export function buildConverseBody(r: ChatRequest, model: string): Obj {
  checkRefusals(r);
  const { system, messages } = translateMessages(Array.isArray(r.messages) ? r.messages : []);
  const body: Obj = { messages };
  if (system.length > 0) body.system = system;

  const inference: Obj = {};
  const maxTokens = number(r.max_completion_tokens, 'max_completion_tokens', true) ?? number(r.max_tokens, 'max_tokens', true);
  if (maxTokens !== undefined) inference.maxTokens = maxTokens;
  const temperature = number(r.temperature, 'temperature');
  if (temperature !== undefined) inference.temperature = temperature;
  const topP = number(r.top_p, 'top_p');
  if (topP !== undefined) inference.topP = topP;
  if (typeof r.stop === 'string') inference.stopSequences = [r.stop];
  else if (Array.isArray(r.stop) && r.stop.every((s) => typeof s === 'string')) inference.stopSequences = r.stop;
  else if (r.stop !== undefined && r.stop !== null) throw refuse('stop', "'stop' must be a string or an array of strings.");
  if (Object.keys(inference).length > 0) body.inferenceConfig = inference;

  const tools = toolConfig(r);
  if (tools) body.toolConfig = tools;

  for (const [param, value] of Object.entries(r)) {
    if (TRANSLATED.has(param) || DROPPED_PARAMETERS.includes(param) || Object.hasOwn(REFUSED_PARAMETERS, param)) continue;
    body[param] = value;
  }

  const effort = r.reasoning_effort;
  if (effort !== undefined && effort !== null && effort !== 'none') {
    const budget = typeof effort === 'string' && Object.hasOwn(THINKING_BUDGETS, effort) ? THINKING_BUDGETS[effort]! : undefined;
    if (budget === undefined) throw refuse('reasoning_effort', `'reasoning_effort' must be one of none, ${Object.keys(THINKING_BUDGETS).join(', ')}.`);
    // Only Claude on Bedrock takes a thinking budget this way; other model families have no common switch.
    if (!/(^|\.)anthropic\./.test(model)) throw refuse('reasoning_effort', `'reasoning_effort' is supported for Anthropic Claude models on Bedrock only.`);
    const extra = isObj(body.additionalModelRequestFields) ? body.additionalModelRequestFields : {};
    body.additionalModelRequestFields = { ...extra, thinking: { type: 'enabled', budget_tokens: budget } };
    // The budget counts against maxTokens, which Claude requires to exceed it.
    if (maxTokens === undefined || maxTokens <= budget) inference.maxTokens = budget + 4096;
    body.inferenceConfig = inference;
  }
  return body;
}
