import type { ChatRequest } from '../adapter';
import { translateInput } from './input';
import { fail, isObject, type Json } from './validation';

/**
 * The `/v1/responses` ingress: an OpenAI Responses request (what `client.responses.create`, the Vercel AI SDK's
 * `openai(model)` and the Agents SDK send) turned into the unified chat request every provider adapter takes.
 * Every top-level field is handled by name — translated, echoed, accepted as a no-op, or refused — so an
 * unknown or unsupported field is a 400 naming it, never a silent drop (DESIGN §6).
 */


/** The request fields the Responses object repeats back to the caller (OpenAI's answer echoes them). */
export interface ResponsesEcho {
  model: string;
  instructions: string | null;
  metadata: Record<string, string>;
  max_output_tokens: number | null;
  parallel_tool_calls: boolean;
  temperature: number | null;
  top_p: number | null;
  tool_choice: unknown;
  tools: unknown[];
  text: Json;
  reasoning: { effort: string | null; summary: string | null };
  user: string | null;
  /** Whether the gateway keeps this response (ADR 0022): the answer says so truthfully. */
  store: boolean;
  previous_response_id: string | null;
}

/** What the gateway's response store contributes; without it, stored state is refused. */
export interface ResponsesStateOptions {
  /** The stored conversation `previous_response_id` names (its input and output items), before this call's input. */
  history?: unknown[];
  /** The gateway will store this response. */
  store?: boolean;
}

export interface TranslatedResponsesRequest {
  request: ChatRequest;
  echo: ResponsesEcho;
}

/** Fields that need OpenAI-hosted machinery: each is a 400 that says so. */
const REFUSED: Readonly<Record<string, (value: unknown) => string | null>> = {
  conversation: (v) => (v == null ? null : 'conversations are not supported by this gateway yet: send the whole conversation as input items'),
  background: (v) => (v === true ? 'background responses are not supported by this gateway' : null),
  prompt: (v) => (v == null ? null : "reusable prompts live on OpenAI's platform; send instructions and input instead (or use the gateway's prompt APIs)"),
  top_logprobs: (v) => (v == null ? null : 'log probabilities are not supported on /v1/responses'),
  max_tool_calls: (v) => (v == null ? null : 'max_tool_calls limits built-in tool calls, which this gateway does not run'),
  context_management: (v) => (v == null ? null : 'server-side compaction is not supported by this gateway'),
  moderation: (v) => (v == null ? null : 'moderated responses are not supported by this gateway'),
  truncation: (v) => (v == null || v === 'disabled' ? null : "only 'disabled' is supported: the gateway does not drop input items to fit the context window"),
};

/** Passed to the provider under the same name: the chat API takes these as the Responses API does. */
const PASSED_THROUGH = ['user', 'safety_identifier', 'prompt_cache_key', 'prompt_cache_retention', 'prompt_cache_options', 'service_tier'] as const;

/** Accepted and answered without a provider counterpart (see the ADR 0022 for why each is harmless). */
const ACCEPTED = new Set(['stream_options', 'include', 'metadata']);

/** Values of `include` this gateway can honour (by having nothing to add) or that concern tools it refuses. */
const INCLUDABLE = new Set([
  'reasoning.encrypted_content',
  'file_search_call.results',
  'web_search_call.results',
  'web_search_call.action.sources',
  'message.input_image.image_url',
  'computer_call_output.output.image_url',
  'code_interpreter_call.outputs',
]);

const TRANSLATED = new Set([
  'model', 'input', 'instructions', 'stream', 'tools', 'tool_choice', 'parallel_tool_calls', 'text', 'reasoning',
  'max_output_tokens', 'temperature', 'top_p', 'store', 'previous_response_id',
]);

/** OpenAI's hosted tools: they run inside OpenAI's Responses API, which a chat translation cannot reach. */
function checkTool(tool: unknown, i: number): Json {
  const param = `tools.${i}`;
  if (!isObject(tool)) return fail(param, 'must be a tool object');
  if (tool.type !== 'function') {
    if (typeof tool.type !== 'string') return fail(`${param}.type`, "is required ('function')");
    return fail(
      `${param}.type`,
      `the built-in tool '${tool.type}' runs only inside OpenAI's own Responses API, which this gateway does not reach for this model; only function tools are supported`,
    );
  }
  if (typeof tool.name !== 'string' || !tool.name) return fail(`${param}.name`, 'is required');
  const fn: Json = { name: tool.name, parameters: isObject(tool.parameters) ? tool.parameters : { type: 'object', properties: {} } };
  if (typeof tool.description === 'string') fn.description = tool.description;
  if (typeof tool.strict === 'boolean') fn.strict = tool.strict;
  return { type: 'function', function: fn };
}

function translateToolChoice(choice: unknown): unknown {
  if (choice === 'auto' || choice === 'none' || choice === 'required') return choice;
  if (!isObject(choice)) return fail('tool_choice', "must be 'auto', 'none', 'required' or a function choice");
  if (choice.type === 'function') {
    if (typeof choice.name !== 'string' || !choice.name) return fail('tool_choice.name', 'is required');
    return { type: 'function', function: { name: choice.name } };
  }
  return fail('tool_choice.type', `'${String(choice.type)}' is not supported: choose 'auto', 'none', 'required' or a function`);
}

/** `text.format` as chat's `response_format`; `text.verbosity` travels as chat's `verbosity`. */
function translateText(text: unknown, request: ChatRequest): Json {
  if (!isObject(text)) return fail('text', 'must be an object');
  for (const key of Object.keys(text)) if (key !== 'format' && key !== 'verbosity') fail(`text.${key}`, 'is not a known field');
  if (text.verbosity != null) request.verbosity = text.verbosity;
  const format = text.format;
  if (format == null) return { format: { type: 'text' }, ...(text.verbosity != null ? { verbosity: text.verbosity } : {}) };
  if (!isObject(format)) return fail('text.format', 'must be an object');
  if (format.type === 'json_object') request.response_format = { type: 'json_object' };
  else if (format.type === 'json_schema') {
    if (typeof format.name !== 'string' || !format.name) fail('text.format.name', 'is required');
    if (!isObject(format.schema)) fail('text.format.schema', 'must be a JSON schema object');
    const schema: Json = { name: format.name, schema: format.schema };
    if (typeof format.description === 'string') schema.description = format.description;
    if (typeof format.strict === 'boolean') schema.strict = format.strict;
    request.response_format = { type: 'json_schema', json_schema: schema };
  } else if (format.type !== 'text') fail('text.format.type', "must be 'text', 'json_schema' or 'json_object'");
  return text;
}

function translateReasoning(reasoning: unknown, request: ChatRequest): ResponsesEcho['reasoning'] {
  if (!isObject(reasoning)) return fail('reasoning', 'must be an object');
  for (const key of Object.keys(reasoning)) {
    if (key !== 'effort' && key !== 'summary' && key !== 'generate_summary') fail(`reasoning.${key}`, 'is not a known field');
  }
  const effort = reasoning.effort;
  if (effort != null && typeof effort !== 'string') fail('reasoning.effort', 'must be a string');
  if (typeof effort === 'string') request.reasoning_effort = effort;
  // The summary is whatever reasoning text the provider returns: there is no summariser to ask for more or less.
  const summary = reasoning.summary ?? reasoning.generate_summary ?? null;
  return { effort: (effort as string | undefined) ?? null, summary: typeof summary === 'string' ? summary : null };
}

function numberOrNull(body: Json, param: string): number | null {
  const v = body[param];
  if (v == null) return null;
  if (typeof v !== 'number' || !Number.isFinite(v)) return fail(param, 'must be a number');
  return v;
}

function checkMetadata(value: unknown): Record<string, string> {
  if (value == null) return {};
  if (!isObject(value)) return fail('metadata', 'must be an object of strings');
  const entries = Object.entries(value);
  if (entries.length > 16) fail('metadata', 'takes at most 16 keys');
  for (const [k, v] of entries) {
    if (typeof v !== 'string') fail(`metadata.${k}`, 'must be a string');
    if (k.length > 64) fail('metadata', `key '${k.slice(0, 20)}…' is longer than 64 characters`);
    if ((v as string).length > 512) fail(`metadata.${k}`, 'is longer than 512 characters');
  }
  return value as Record<string, string>;
}

/** `store` and `previous_response_id`, which only the gateway's response store can honour (it resolves the history). */
function checkState(body: Json, options: ResponsesStateOptions): void {
  if (body.store != null && typeof body.store !== 'boolean') fail('store', 'must be a boolean');
  const previous = body.previous_response_id;
  if (previous == null) return;
  if (typeof previous !== 'string' || !previous) fail('previous_response_id', 'must be a response id');
  if (!options.history) fail('previous_response_id', 'needs stored responses, which are not available here: send the whole conversation as input items');
}

export function responsesToChatRequest(body: unknown, options: ResponsesStateOptions = {}): TranslatedResponsesRequest {
  if (!isObject(body)) return fail('body', 'must be a JSON object');
  for (const [key, value] of Object.entries(body)) {
    const refusal = REFUSED[key]?.(value);
    if (refusal) fail(key, refusal);
    if (!(key in REFUSED) && !TRANSLATED.has(key) && !ACCEPTED.has(key) && !(PASSED_THROUGH as readonly string[]).includes(key)) {
      fail(key, 'is not a parameter this gateway knows for /v1/responses');
    }
  }
  if (typeof body.model !== 'string' || !body.model || body.model.length > 256) return fail('model', 'is required (a model name)');
  if (body.instructions != null && typeof body.instructions !== 'string') fail('instructions', 'must be a string');
  const instructions = (body.instructions as string | null | undefined) ?? null;
  checkState(body, options);
  const messages = translateInput(body.input, body.previous_response_id == null ? [] : options.history);
  if (instructions) messages.unshift({ role: 'system', content: instructions });

  const request: ChatRequest = { model: body.model, messages };
  if (body.stream != null) {
    if (typeof body.stream !== 'boolean') fail('stream', 'must be a boolean');
    request.stream = body.stream as boolean;
  }
  if (body.stream_options != null && !isObject(body.stream_options)) fail('stream_options', 'must be an object');
  if (body.include != null) {
    if (!Array.isArray(body.include)) fail('include', 'must be an array');
    (body.include as unknown[]).forEach((v, i) => {
      if (typeof v !== 'string' || !INCLUDABLE.has(v)) fail(`include.${i}`, `'${String(v)}' is not supported on /v1/responses by this gateway`);
    });
  }
  const max = body.max_output_tokens;
  if (max != null) {
    if (!Number.isSafeInteger(max) || (max as number) < 1) fail('max_output_tokens', 'must be an integer of at least 1');
    // Both count reasoning tokens against the limit, so they mean the same.
    request.max_completion_tokens = max;
  }
  const temperature = numberOrNull(body, 'temperature');
  const topP = numberOrNull(body, 'top_p');
  if (temperature !== null) request.temperature = temperature;
  if (topP !== null) request.top_p = topP;
  for (const param of PASSED_THROUGH) if (body[param] != null) request[param] = body[param];

  let tools: unknown[] = [];
  if (body.tools != null) {
    if (!Array.isArray(body.tools)) fail('tools', 'must be an array');
    tools = body.tools as unknown[];
    if (tools.length) request.tools = tools.map(checkTool);
  }
  const toolChoice = body.tool_choice ?? 'auto';
  if (body.tool_choice != null) request.tool_choice = translateToolChoice(body.tool_choice);
  if (body.parallel_tool_calls != null) {
    if (typeof body.parallel_tool_calls !== 'boolean') fail('parallel_tool_calls', 'must be a boolean');
    // Chat providers refuse the flag without tools (OpenAI does), and it means nothing then.
    if (request.tools) request.parallel_tool_calls = body.parallel_tool_calls;
  }
  const text = body.text == null ? { format: { type: 'text' } } : translateText(body.text, request);
  const reasoning = body.reasoning == null ? { effort: null, summary: null } : translateReasoning(body.reasoning, request);

  const echo: ResponsesEcho = {
    model: body.model,
    instructions,
    metadata: checkMetadata(body.metadata),
    max_output_tokens: (max as number | null | undefined) ?? null,
    parallel_tool_calls: body.parallel_tool_calls !== false,
    temperature,
    top_p: topP,
    tool_choice: toolChoice,
    tools,
    text,
    reasoning,
    user: typeof body.user === 'string' ? body.user : null,
    store: options.store === true,
    previous_response_id: typeof body.previous_response_id === 'string' ? body.previous_response_id : null,
  };
  return { request, echo };
}
