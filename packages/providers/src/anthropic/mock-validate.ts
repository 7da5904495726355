/**
 * The request checks of the mock Anthropic server, with Anthropic's wording (`<path>: <problem>`), so a test
 * sees the same 400 a translation mistake would get from the real API. One check is stricter than today's
 * API on purpose: consecutive turns of one role are refused instead of merged, so a test proves the adapter
 * merges them itself.
 */
import type { ErrorResponse } from '@anthropic-ai/sdk/resources/shared';
import { anthropicError } from './mock-wire';

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export class MockHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorResponse,
    readonly headers: Record<string, string> = {},
  ) {
    super(body.error.message);
  }
}

export const invalid = (message: string): MockHttpError => new MockHttpError(400, anthropicError('invalid_request_error', message));

const TOP_LEVEL = new Set([
  'model', 'messages', 'max_tokens', 'system', 'metadata', 'stop_sequences', 'stream', 'temperature', 'top_p',
  'top_k', 'tools', 'tool_choice', 'thinking', 'service_tier', 'output_config', 'container', 'context_management',
  'mcp_servers', 'inference_geo', 'cache_control', 'speed', 'diagnostics',
]);
const USER_BLOCKS = new Set(['text', 'image', 'document', 'tool_result', 'search_result']);
const ASSISTANT_BLOCKS = new Set(['text', 'tool_use', 'thinking', 'redacted_thinking']);
const MEDIA_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,128}$/;

function validateBlock(b: unknown, role: string, path: string): void {
  if (!isObj(b)) throw invalid(`${path}: Input should be a valid dictionary or object to extract fields from`);
  const allowed = role === 'user' ? USER_BLOCKS : ASSISTANT_BLOCKS;
  if (typeof b.type !== 'string' || !allowed.has(b.type)) {
    throw invalid(`${path}.type: Input should be ${[...allowed].map((t) => `'${t}'`).join(', ')}`);
  }
  if (b.type === 'text' && (typeof b.text !== 'string' || b.text === '')) throw invalid(`${path}: text content blocks must be non-empty`);
  if (b.type === 'image') {
    const s = b.source;
    const ok =
      isObj(s) &&
      ((s.type === 'base64' && typeof s.media_type === 'string' && MEDIA_TYPES.has(s.media_type) && typeof s.data === 'string') ||
        (s.type === 'url' && typeof s.url === 'string'));
    if (!ok) throw invalid(`${path}.source: Input should be a valid base64 or url image source`);
  }
  if (b.type === 'tool_use') {
    if (typeof b.id !== 'string' || typeof b.name !== 'string') throw invalid(`${path}: tool_use blocks need 'id' and 'name'`);
    if (!isObj(b.input)) throw invalid(`${path}.input: Input should be a valid dictionary`);
  }
  if (b.type === 'tool_result' && typeof b.tool_use_id !== 'string') throw invalid(`${path}.tool_use_id: Field required`);
  if (b.type === 'thinking' && (typeof b.thinking !== 'string' || typeof b.signature !== 'string')) {
    throw invalid(`${path}: thinking blocks need 'thinking' and 'signature'`);
  }
}

const blocksOf = (content: unknown): Json[] => (Array.isArray(content) ? (content as Json[]) : []);

/** Every tool_use must be answered by a tool_result, first thing in the very next user turn, and vice versa. */
function validateToolPairs(messages: Json[]): void {
  messages.forEach((m, i) => {
    const results = blocksOf(m.content).filter((b) => b.type === 'tool_result');
    const prevUses = i > 0 ? blocksOf(messages[i - 1]!.content).filter((b) => b.type === 'tool_use') : [];
    if (m.role === 'user') {
      const ids = new Set(prevUses.map((b) => b.id));
      for (const r of results) {
        if (!ids.has(r.tool_use_id)) {
          throw invalid(
            `messages.${i}.content: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${String(r.tool_use_id)}. ` +
              'Each `tool_result` block must have a corresponding `tool_use` block in the previous message.',
          );
        }
      }
      const blocks = blocksOf(m.content);
      const firstOther = blocks.findIndex((b) => b.type !== 'tool_result');
      if (firstOther >= 0 && blocks.slice(firstOther).some((b) => b.type === 'tool_result')) {
        throw invalid(`messages.${i}.content: tool_result blocks must come first in the user message`);
      }
    }
    if (m.role === 'assistant') {
      const uses = blocksOf(m.content).filter((b) => b.type === 'tool_use');
      const next = messages[i + 1];
      if (uses.length === 0 || !next) return;
      const answered = new Set(blocksOf(next.content).filter((b) => b.type === 'tool_result').map((b) => b.tool_use_id));
      const missing = uses.filter((u) => !answered.has(u.id)).map((u) => String(u.id));
      if (missing.length > 0) {
        throw invalid(
          `messages.${i + 1}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}. ` +
            'Each `tool_use` block must have a corresponding `tool_result` block in the next message.',
        );
      }
    }
  });
}

function validateMessages(value: unknown): Json[] {
  if (value === undefined) throw invalid('messages: Field required');
  if (!Array.isArray(value)) throw invalid('messages: Input should be a valid list');
  if (value.length === 0) throw invalid('messages: at least one message is required');
  value.forEach((m: unknown, i) => {
    if (!isObj(m)) throw invalid(`messages.${i}: Input should be a valid dictionary`);
    if (m.role !== 'user' && m.role !== 'assistant') throw invalid(`messages.${i}.role: Input should be 'user' or 'assistant'`);
    if (i > 0 && (value[i - 1] as Json).role === m.role) {
      throw invalid(`messages: roles must alternate between "user" and "assistant", but found multiple "${m.role}" roles in a row`);
    }
    if (typeof m.content === 'string') {
      if (m.content === '') throw invalid(`messages.${i}: all messages must have non-empty content`);
    } else if (Array.isArray(m.content)) {
      if (m.content.length === 0) throw invalid(`messages.${i}: all messages must have non-empty content`);
      m.content.forEach((b, j) => validateBlock(b, m.role as string, `messages.${i}.content.${j}`));
    } else {
      throw invalid(`messages.${i}.content: Input should be a valid string or list`);
    }
  });
  validateToolPairs(value as Json[]);
  return value as Json[];
}

function validateTools(body: Json): void {
  const { tools, tool_choice: choice } = body;
  if (tools !== undefined) {
    if (!Array.isArray(tools)) throw invalid('tools: Input should be a valid list');
    tools.forEach((t: unknown, i) => {
      if (!isObj(t) || typeof t.name !== 'string' || !TOOL_NAME.test(t.name)) throw invalid(`tools.${i}.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'`);
      if (!isObj(t.input_schema) || t.input_schema.type !== 'object') throw invalid(`tools.${i}.input_schema.type: Input should be 'object'`);
    });
  }
  if (choice !== undefined) {
    if (!isObj(choice) || !['auto', 'any', 'tool', 'none'].includes(choice.type as string)) {
      throw invalid("tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'");
    }
    if (choice.type === 'tool' && !(Array.isArray(tools) && tools.some((t) => isObj(t) && t.name === choice.name))) {
      throw invalid(`tool_choice.name: tool '${String(choice.name)}' is not among the tools`);
    }
  }
}

function validateThinking(body: Json, maxTokens: number): void {
  const t = body.thinking;
  if (t === undefined) return;
  if (!isObj(t) || !['enabled', 'disabled', 'adaptive'].includes(t.type as string)) {
    throw invalid("thinking.type: Input should be 'enabled', 'disabled' or 'adaptive'");
  }
  if (t.type !== 'enabled') return;
  if (typeof t.budget_tokens !== 'number' || !Number.isInteger(t.budget_tokens)) throw invalid('thinking.enabled.budget_tokens: Field required');
  if (t.budget_tokens < 1024) throw invalid('thinking.enabled.budget_tokens: Input should be greater than or equal to 1024');
  if (maxTokens <= t.budget_tokens) throw invalid('`max_tokens` must be greater than `thinking.budget_tokens`');
}

const EFFORTS = new Set(['low', 'medium', 'high', 'xhigh', 'max']);

/**
 * Structured output takes a strict schema: every object must close itself with `additionalProperties: false`
 * (the Anthropic SDK's own schema transform adds it for this reason), so a gateway that forwards an open schema
 * is caught here as it would be by the real API.
 */
function checkStrictSchema(schema: unknown, path: string): void {
  if (Array.isArray(schema)) return schema.forEach((s, i) => checkStrictSchema(s, `${path}.${i}`));
  if (!isObj(schema)) return;
  const isObject = schema.type === 'object' || (Array.isArray(schema.type) && schema.type.includes('object'));
  if (isObject && schema.additionalProperties !== false) {
    throw invalid(`${path}: For 'object' type, 'additionalProperties' must be explicitly set to false`);
  }
  for (const key of ['properties', '$defs', 'definitions']) {
    const children = schema[key];
    if (isObj(children)) for (const [name, child] of Object.entries(children)) checkStrictSchema(child, `${path}.${key}.${name}`);
  }
  for (const key of ['items', 'anyOf', 'allOf', 'oneOf']) if (schema[key] !== undefined) checkStrictSchema(schema[key], `${path}.${key}`);
}

function validateOutputConfig(config: unknown): void {
  if (config === undefined) return;
  if (!isObj(config)) throw invalid('output_config: Input should be a valid dictionary');
  for (const key of Object.keys(config)) if (key !== 'effort' && key !== 'format') throw invalid(`output_config.${key}: Extra inputs are not permitted`);
  if (config.effort !== undefined && config.effort !== null && !EFFORTS.has(config.effort as string)) {
    throw invalid("output_config.effort: Input should be 'low', 'medium', 'high', 'xhigh' or 'max'");
  }
  const format = config.format;
  if (format === undefined || format === null) return;
  if (!isObj(format) || format.type !== 'json_schema') throw invalid("output_config.format.type: Input should be 'json_schema'");
  if (!isObj(format.schema)) throw invalid('output_config.format.schema: Field required');
  checkStrictSchema(format.schema, 'output_config.format.schema');
}

/** Checks a Messages request body as Anthropic does; returns it when it is one. */
export function validateMessagesBody(body: unknown): Json {
  if (!isObj(body)) throw invalid('Input should be a valid dictionary or object to extract fields from');
  for (const key of Object.keys(body)) if (!TOP_LEVEL.has(key)) throw invalid(`${key}: Extra inputs are not permitted`);
  if (body.model === undefined) throw invalid('model: Field required');
  if (typeof body.model !== 'string' || body.model === '') throw invalid('model: Input should be a valid string');
  if (body.max_tokens === undefined) throw invalid('max_tokens: Field required');
  if (typeof body.max_tokens !== 'number' || !Number.isInteger(body.max_tokens) || body.max_tokens < 1) {
    throw invalid('max_tokens: Input should be greater than or equal to 1');
  }
  validateMessages(body.messages);
  const { system } = body;
  if (system !== undefined && typeof system !== 'string') {
    if (!Array.isArray(system)) throw invalid('system: Input should be a valid string or list');
    system.forEach((b, j) => {
      if (!isObj(b) || b.type !== 'text' || typeof b.text !== 'string') throw invalid(`system.${j}: Input should be a text block`);
    });
  }
  if (body.temperature !== undefined && (typeof body.temperature !== 'number' || body.temperature < 0 || body.temperature > 1)) {
    throw invalid('temperature: Input should be less than or equal to 1');
  }
  if (body.top_p !== undefined && (typeof body.top_p !== 'number' || body.top_p < 0 || body.top_p > 1)) {
    throw invalid('top_p: Input should be less than or equal to 1');
  }
  if (body.stop_sequences !== undefined && !(Array.isArray(body.stop_sequences) && body.stop_sequences.every((s) => typeof s === 'string'))) {
    throw invalid('stop_sequences: Input should be a valid list of strings');
  }
  if (body.metadata !== undefined && (!isObj(body.metadata) || Object.keys(body.metadata).some((k) => k !== 'user_id'))) {
    throw invalid('metadata: Extra inputs are not permitted');
  }
  if (body.stream !== undefined && typeof body.stream !== 'boolean') throw invalid('stream: Input should be a valid boolean');
  validateTools(body);
  validateThinking(body, body.max_tokens);
  validateOutputConfig(body.output_config);
  return body;
}
