/**
 * A unified (OpenAI Chat Completions) request → an Anthropic Messages request body.
 *
 * Every OpenAI parameter is handled one of four ways, each by name: translated; dropped by
 * {@link DROPPED_PARAMETERS} (hints Anthropic has no counterpart for, where ignoring them cannot change what the
 * answer means); refused with {@link UnsupportedParameterError} (the caller asked for something Anthropic cannot
 * give, like several choices or log probabilities); or — any name not listed — passed through as it came, so
 * Anthropic-native parameters (`top_k`, `output_config`, …) work and anything else gets Anthropic's own 400 that
 * names it. Nothing is dropped silently (DESIGN §6).
 */
import type {
  MessageCreateParamsBase,
  ThinkingConfigParam,
  Tool,
  ToolChoice,
} from '@anthropic-ai/sdk/resources/messages';
import { UnsupportedParameterError, type ChatRequest } from '../adapter';
import { translateMessages } from './messages';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Anthropic requires `max_tokens`; OpenAI callers usually leave it out. Enough for a long answer, and the
 * caller pays only for what is generated. */
export const DEFAULT_MAX_TOKENS = 4096;

/**
 * `reasoning_effort` → Anthropic's thinking budget (Anthropic's minimum is 1024). `none` turns thinking off.
 * The budget counts against `max_tokens`, as OpenAI's reasoning tokens count against `max_completion_tokens`.
 */
export const THINKING_BUDGETS: Readonly<Record<string, number>> = {
  minimal: 1024,
  low: 2048,
  medium: 8192,
  high: 16384,
  xhigh: 32768,
  max: 65536,
};
const MIN_THINKING_BUDGET = 1024;

/**
 * OpenAI parameters Anthropic has no counterpart for, removed on purpose: sampling hints (penalties, bias,
 * seed), OpenAI-side storage and caching hints, OpenAI's service tiers and verbosity hint, and
 * `stream_options` (Anthropic always reports stream usage).
 */
export const DROPPED_PARAMETERS: readonly string[] = [
  'frequency_penalty',
  'presence_penalty',
  'logit_bias',
  'seed',
  'stream_options',
  'store',
  'metadata',
  'service_tier',
  'prompt_cache_key',
  'prompt_cache_retention',
  'prompt_cache_options',
  'verbosity',
];

/** Parameters whose mere presence (with a non-null value) asks for something Anthropic cannot give. */
const REFUSED_PARAMETERS: Readonly<Record<string, string>> = {
  audio: 'Audio output is not supported by Anthropic models.',
  prediction: 'Predicted outputs are not supported by Anthropic models.',
  functions: "The legacy 'functions' parameter is not supported for Anthropic models; use 'tools'.",
  function_call: "The legacy 'function_call' parameter is not supported for Anthropic models; use 'tool_choice'.",
  web_search_options: "'web_search_options' is not supported for Anthropic models.",
  moderation: "'moderation' is not supported for Anthropic models.",
  top_logprobs: 'Log probabilities are not supported by Anthropic models.',
};

/** Parameters this module reads itself; they never travel as they came. */
const TRANSLATED = new Set([
  'model', 'messages', 'stream', 'max_tokens', 'max_completion_tokens', 'temperature', 'top_p', 'stop', 'user',
  'safety_identifier', 'reasoning_effort', 'thinking', 'tools', 'tool_choice', 'parallel_tool_calls',
  'response_format', 'n', 'logprobs', 'modalities',
]);

const refuse = (param: string, message: string) => new UnsupportedParameterError(param, message);

function positiveInt(value: unknown, param: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw refuse(param, `'${param}' must be an integer of at least 1.`);
  return value;
}

// OpenAI allows temperatures up to 2 and Anthropic only up to 1; the value travels as given, so Anthropic's
// own 400 names it rather than the gateway quietly changing the sampling.
function optionalNumber(value: unknown, param: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw refuse(param, `'${param}' must be a number.`);
  return value;
}

function checkRefusals(r: ChatRequest): void {
  for (const [param, message] of Object.entries(REFUSED_PARAMETERS)) {
    if (r[param] !== undefined && r[param] !== null) throw refuse(param, message);
  }
  if (r.n !== undefined && r.n !== null && r.n !== 1) {
    throw refuse('n', "Anthropic models return one choice per request; send 'n' of 1 (or none) and make several requests.");
  }
  if (r.logprobs === true) throw refuse('logprobs', 'Log probabilities are not supported by Anthropic models.');
  if (Array.isArray(r.modalities) && r.modalities.some((m) => m !== 'text')) {
    throw refuse('modalities', 'Anthropic models answer in text only.');
  }
}

function translateTools(tools: unknown): Tool[] {
  if (!Array.isArray(tools)) throw refuse('tools', "'tools' must be an array.");
  return tools.map((t, i) => {
    if (!isObj(t) || t.type !== 'function' || !isObj(t.function)) {
      throw refuse(`tools[${i}].type`, 'Anthropic models take function tools only.');
    }
    const fn = t.function;
    if (typeof fn.name !== 'string') throw refuse(`tools[${i}].function.name`, `'tools[${i}].function.name' is required.`);
    const tool: Tool = {
      name: fn.name,
      input_schema: isObj(fn.parameters) ? (fn.parameters as Tool['input_schema']) : { type: 'object', properties: {} },
    };
    if (typeof fn.description === 'string') tool.description = fn.description;
    if (typeof fn.strict === 'boolean') tool.strict = fn.strict;
    return tool;
  });
}

function translateToolChoice(choice: unknown, parallel: unknown, hasTools: boolean): ToolChoice | undefined {
  let out: ToolChoice | undefined;
  if (choice === undefined || choice === null) out = undefined;
  else if (choice === 'auto') out = { type: 'auto' };
  else if (choice === 'none') out = { type: 'none' };
  else if (choice === 'required') out = { type: 'any' };
  else if (isObj(choice) && choice.type === 'function' && isObj(choice.function) && typeof choice.function.name === 'string') {
    out = { type: 'tool', name: choice.function.name };
  } else {
    throw refuse('tool_choice', "'tool_choice' must be 'auto', 'none', 'required' or a function choice for Anthropic models.");
  }
  // Anthropic says "no parallel calls" on the tool choice itself; with no choice given, OpenAI's default is auto.
  if (parallel === false && hasTools && out?.type !== 'none') return { ...(out ?? { type: 'auto' }), disable_parallel_tool_use: true };
  return out;
}

function translateThinking(r: ChatRequest, maxTokens: number | undefined): ThinkingConfigParam | undefined {
  // An explicit Anthropic `thinking` wins and travels as given: the caller speaks Anthropic's own shape.
  if (isObj(r.thinking)) return r.thinking as unknown as ThinkingConfigParam;
  if (r.thinking !== undefined && r.thinking !== null) throw refuse('thinking', "'thinking' must be an object.");
  const effort = r.reasoning_effort;
  if (effort === undefined || effort === null || effort === 'none') return undefined;
  const budget = typeof effort === 'string' && Object.hasOwn(THINKING_BUDGETS, effort) ? THINKING_BUDGETS[effort]! : undefined;
  if (budget === undefined) {
    throw refuse('reasoning_effort', `'reasoning_effort' must be one of none, ${Object.keys(THINKING_BUDGETS).join(', ')}.`);
  }
  if (maxTokens === undefined) return { type: 'enabled', budget_tokens: budget };
  // The budget must fit below max_tokens; a caller's explicit limit wins over the effort's default budget.
  const fitted = Math.min(budget, maxTokens - 1);
  if (fitted < MIN_THINKING_BUDGET) {
    throw refuse(
      'reasoning_effort',
      `Anthropic thinking needs at least ${MIN_THINKING_BUDGET} tokens below 'max_completion_tokens'; raise the limit above ${MIN_THINKING_BUDGET} or drop 'reasoning_effort'.`,
    );
  }
  return { type: 'enabled', budget_tokens: fitted };
}

function translateResponseFormat(format: unknown, outputConfig: unknown): Obj | undefined {
  if (format === undefined || format === null) return undefined;
  if (!isObj(format)) throw refuse('response_format', "'response_format' must be an object.");
  if (format.type === 'text') return undefined;
  if (format.type === 'json_schema' && isObj(format.json_schema) && isObj(format.json_schema.schema)) {
    return { ...(isObj(outputConfig) ? outputConfig : {}), format: { type: 'json_schema', schema: format.json_schema.schema } };
  }
  throw refuse(
    'response_format',
    "Anthropic models take 'response_format' of type 'text' or 'json_schema' (with a schema); 'json_object' has no Anthropic counterpart.",
  );
}

/** The Anthropic Messages body for a unified chat request, with `target.model` as the model. */
export function buildAnthropicBody(r: ChatRequest, model: string): MessageCreateParamsBase & Obj {
  checkRefusals(r);
  const { system, messages } = translateMessages(Array.isArray(r.messages) ? r.messages : []);
  const explicitMax = positiveInt(r.max_completion_tokens, 'max_completion_tokens') ?? positiveInt(r.max_tokens, 'max_tokens');
  const thinking = translateThinking(r, explicitMax);
  const budget = thinking?.type === 'enabled' && typeof thinking.budget_tokens === 'number' ? thinking.budget_tokens : 0;

  const body: MessageCreateParamsBase & Obj = { model, max_tokens: explicitMax ?? DEFAULT_MAX_TOKENS + budget, messages };
  if (system !== undefined) body.system = system;
  if (thinking) body.thinking = thinking;
  const temperature = optionalNumber(r.temperature, 'temperature');
  if (temperature !== undefined) body.temperature = temperature;
  const topP = optionalNumber(r.top_p, 'top_p');
  if (topP !== undefined) body.top_p = topP;
  if (typeof r.stop === 'string') body.stop_sequences = [r.stop];
  else if (Array.isArray(r.stop) && r.stop.every((s) => typeof s === 'string')) body.stop_sequences = r.stop as string[];
  else if (r.stop !== undefined && r.stop !== null) throw refuse('stop', "'stop' must be a string or an array of strings.");
  const userId = r.safety_identifier ?? r.user;
  if (userId !== undefined && userId !== null && typeof userId !== 'string') {
    throw refuse(r.safety_identifier !== undefined ? 'safety_identifier' : 'user', 'The end-user id must be a string.');
  }
  if (typeof userId === 'string' && userId !== '') body.metadata = { user_id: userId };
  if (r.tools !== undefined && r.tools !== null) {
    const tools = translateTools(r.tools);
    if (tools.length > 0) body.tools = tools;
  }
  const toolChoice = translateToolChoice(r.tool_choice, r.parallel_tool_calls, body.tools !== undefined);
  if (toolChoice) body.tool_choice = toolChoice;
  const outputConfig = translateResponseFormat(r.response_format, r.output_config);

  for (const [param, value] of Object.entries(r)) {
    if (TRANSLATED.has(param) || DROPPED_PARAMETERS.includes(param) || Object.hasOwn(REFUSED_PARAMETERS, param)) continue;
    body[param] = value;
  }
  if (outputConfig) body.output_config = outputConfig;
  if (r.stream === true) body.stream = true;
  return body;
}
