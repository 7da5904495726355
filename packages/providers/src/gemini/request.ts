/**
 * A unified (OpenAI Chat Completions) request → a Gemini `GenerateContentRequest` body.
 *
 * Every top-level parameter is either translated (see `TRANSLATED_PARAMETERS`), dropped because Gemini has
 * nothing like it (`DROPPED_PARAMETERS`, each with its reason), or — anything else — sent to Gemini as it
 * came. Gemini rejects names it does not know with a 400 that names them ("Unknown name "logprobs""), so an
 * unsupported parameter is never silently ignored (DESIGN §6), and Gemini-native fields such as
 * `safetySettings` or `cachedContent` reach Gemini untouched.
 */
import type { ChatRequest } from '../adapter';
import { toGeminiConversation } from './messages';
import { untranslatable } from './request-error';
import { toGeminiSchema } from './schema';
import type { GeminiFunctionDeclaration, GeminiGenerationConfig, GeminiRequest, GeminiThinkingConfig, GeminiToolConfig } from './wire';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * OpenAI parameters Gemini cannot take, removed before the call. Nothing else is removed.
 * (`stream` and `model` are not here: they choose the URL.)
 */
export const DROPPED_PARAMETERS: Readonly<Record<string, string>> = Object.freeze({
  logit_bias: 'Gemini has no per-token bias.',
  user: "OpenAI's end-user id for its abuse monitoring; the gateway meters the caller itself.",
  safety_identifier: "OpenAI's successor to `user`.",
  stream_options: 'Gemini reports usage on every stream; `include_usage` is honoured by the gateway.',
  parallel_tool_calls: 'Gemini decides itself whether to call several functions at once.',
  service_tier: "OpenAI's processing tiers.",
  store: "OpenAI's stored completions.",
  metadata: "Tags for OpenAI's stored completions.",
  prompt_cache_key: "OpenAI's cache-routing hint; Gemini caches prompt prefixes implicitly.",
});

export const TRANSLATED_PARAMETERS: readonly string[] = Object.freeze([
  'model',
  'stream',
  'messages',
  'temperature',
  'top_p',
  'max_tokens',
  'max_completion_tokens',
  'stop',
  'n',
  'seed',
  'presence_penalty',
  'frequency_penalty',
  'response_format',
  'tools',
  'tool_choice',
  'reasoning_effort',
]);

/**
 * `reasoning_effort` → `thinkingBudget` in tokens. low/medium/high are the budgets Google's own
 * OpenAI-compatible endpoint uses; `none` turns thinking off (Flash models only: Pro answers 400).
 */
export const THINKING_BUDGETS: Readonly<Record<string, number>> = Object.freeze({
  none: 0,
  minimal: 512,
  low: 1_024,
  medium: 8_192,
  high: 24_576,
  xhigh: 32_768,
  max: 32_768,
});

/** Top-level Gemini fields the translation writes; the caller may not send them natively as well. */
const WRITTEN_FIELDS = ['contents', 'systemInstruction', 'toolConfig'];

export function toGeminiRequest(request: ChatRequest): GeminiRequest {
  const passthrough: Obj = {};
  for (const [key, value] of Object.entries(request)) {
    if (TRANSLATED_PARAMETERS.includes(key) || Object.hasOwn(DROPPED_PARAMETERS, key)) continue;
    if (WRITTEN_FIELDS.includes(key)) {
      throw untranslatable(`'${key}' is written from 'messages' and 'tool_choice'; send those instead.`, key);
    }
    passthrough[key] = value;
  }
  if (!Array.isArray(request.messages)) throw untranslatable("'messages' must be an array.", 'messages');
  if (passthrough.generationConfig !== undefined && !isObj(passthrough.generationConfig)) {
    throw untranslatable("'generationConfig' (Gemini's own) must be an object.", 'generationConfig');
  }

  const body: GeminiRequest = { ...passthrough, ...toGeminiConversation(request.messages) };
  const declarations = functionDeclarations(request.tools);
  const choice = toolConfig(request.tool_choice);
  if (choice?.only) {
    const allowed = new Set(choice.only);
    body.tools = [{ functionDeclarations: declarations.filter((d) => allowed.has(d.name)) }];
  } else if (declarations.length > 0) {
    body.tools = [{ functionDeclarations: declarations }];
  }
  if (choice) body.toolConfig = choice.config;

  const generation = generationConfig(request, isObj(passthrough.generationConfig) ? passthrough.generationConfig : {});
  if (Object.keys(generation).length > 0) body.generationConfig = generation;
  else delete body.generationConfig;
  return body;
}

function functionDeclarations(tools: unknown): GeminiFunctionDeclaration[] {
  if (tools === undefined || tools === null) return [];
  if (!Array.isArray(tools)) throw untranslatable("'tools' must be an array.", 'tools');
  return tools.map((tool: unknown, i) => {
    const param = `tools[${i}]`;
    if (!isObj(tool) || tool.type !== 'function' || !isObj(tool.function) || typeof tool.function.name !== 'string') {
      throw untranslatable(`'${param}' must be a function tool with a name; Gemini takes no other kind here.`, param);
    }
    // `strict` has no Gemini counterpart: Gemini always generates arguments against the declared schema.
    const { name, description, parameters } = tool.function;
    const declaration: GeminiFunctionDeclaration = { name };
    if (typeof description === 'string') declaration.description = description;
    if (parameters !== undefined && parameters !== null) {
      declaration.parameters = toGeminiSchema(parameters, `${param}.function.parameters`);
    }
    return declaration;
  });
}

/** `only`: with `allowed_tools` in auto mode, Gemini is offered just those functions (it allows a name list only with ANY). */
function toolConfig(choice: unknown): { config: GeminiToolConfig; only?: string[] } | null {
  if (choice === undefined || choice === null) return null;
  const mode = (m: 'AUTO' | 'ANY' | 'NONE', names?: string[]): GeminiToolConfig => ({
    functionCallingConfig: names ? { mode: m, allowedFunctionNames: names } : { mode: m },
  });
  if (choice === 'auto') return { config: mode('AUTO') };
  if (choice === 'none') return { config: mode('NONE') };
  if (choice === 'required') return { config: mode('ANY') };
  if (isObj(choice) && choice.type === 'function' && isObj(choice.function) && typeof choice.function.name === 'string') {
    return { config: mode('ANY', [choice.function.name]) };
  }
  if (isObj(choice) && choice.type === 'allowed_tools' && isObj(choice.allowed_tools) && Array.isArray(choice.allowed_tools.tools)) {
    const names = choice.allowed_tools.tools.map((t: unknown, i) => {
      if (isObj(t) && isObj(t.function) && typeof t.function.name === 'string') return t.function.name;
      throw untranslatable(`'tool_choice.allowed_tools.tools[${i}]' must name a function.`, `tool_choice.allowed_tools.tools[${i}]`);
    });
    if (choice.allowed_tools.mode === 'required') return { config: mode('ANY', names) };
    if (choice.allowed_tools.mode === 'auto') return { config: mode('AUTO'), only: names };
  }
  throw untranslatable(`'tool_choice' ${JSON.stringify(choice)} has no Gemini equivalent.`, 'tool_choice');
}

function generationConfig(request: ChatRequest, native: Obj): GeminiGenerationConfig {
  const config: GeminiGenerationConfig = { ...native };
  const set = (field: string, value: unknown): void => {
    if (value !== undefined && value !== null) config[field] = value;
  };
  set('temperature', request.temperature);
  set('topP', request.top_p);
  set('maxOutputTokens', request.max_completion_tokens ?? request.max_tokens);
  set('stopSequences', typeof request.stop === 'string' ? [request.stop] : request.stop);
  set('candidateCount', request.n);
  set('seed', request.seed);
  set('presencePenalty', request.presence_penalty);
  set('frequencyPenalty', request.frequency_penalty);
  Object.assign(config, responseFormat(request.response_format));
  const thinking = thinkingConfig(request.reasoning_effort);
  if (thinking) config.thinkingConfig = { ...(isObj(native.thinkingConfig) ? native.thinkingConfig : {}), ...thinking };
  return config;
}

function responseFormat(format: unknown): Partial<GeminiGenerationConfig> {
  if (format === undefined || format === null) return {};
  if (isObj(format) && format.type === 'text') return {};
  if (isObj(format) && format.type === 'json_object') return { responseMimeType: 'application/json' };
  if (isObj(format) && format.type === 'json_schema' && isObj(format.json_schema)) {
    const { schema } = format.json_schema;
    if (schema === undefined || schema === null) return { responseMimeType: 'application/json' };
    return { responseMimeType: 'application/json', responseSchema: toGeminiSchema(schema, 'response_format.json_schema.schema') };
  }
  throw untranslatable(`'response_format' ${JSON.stringify(format)} has no Gemini equivalent.`, 'response_format');
}

function thinkingConfig(effort: unknown): GeminiThinkingConfig | null {
  if (effort === undefined || effort === null) return null;
  if (typeof effort !== 'string' || !Object.hasOwn(THINKING_BUDGETS, effort)) {
    throw untranslatable(
      `'reasoning_effort' must be one of ${Object.keys(THINKING_BUDGETS).join(', ')}.`,
      'reasoning_effort',
    );
  }
  const thinkingBudget = THINKING_BUDGETS[effort]!;
  // Thought summaries are what OpenAI-style clients show as `reasoning_content`.
  return thinkingBudget === 0 ? { thinkingBudget } : { thinkingBudget, includeThoughts: true };
}
