import type { ChatRequest } from '../adapter';

/**
 * The `/v1/messages` ingress: an Anthropic Messages request (what the Anthropic SDK sends) turned into the
 * unified request every provider adapter takes. Refusals name the field in Anthropic's terms.
 */
export class IngressValidationError extends Error {
  constructor(
    readonly param: string,
    message: string,
  ) {
    super(message);
  }
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const fail = (param: string, message: string): never => {
  throw new IngressValidationError(param, `${param}: ${message}`);
};

/** Anthropic parameters with no unified equivalent, dropped on purpose (and only these). */
export const droppedAnthropicParams = ['top_k', 'service_tier', 'container', 'mcp_servers'] as const;

/** A thinking budget in tokens, as the nearest OpenAI reasoning effort. */
export function effortForBudget(budget: number): 'low' | 'medium' | 'high' {
  return budget < 4_096 ? 'low' : budget < 16_384 ? 'medium' : 'high';
}

function textOf(blocks: unknown, param: string): string {
  if (typeof blocks === 'string') return blocks;
  if (!Array.isArray(blocks)) return fail(param, 'must be a string or an array of text blocks');
  return blocks
    .map((b, i) => (isObject(b) && b.type === 'text' && typeof b.text === 'string' ? b.text : fail(`${param}.${i}`, 'must be a text block')))
    .join('\n');
}

function imagePart(block: Json, param: string): Json {
  const source = isObject(block.source) ? block.source : fail(`${param}.source`, 'is required');
  if (source.type === 'base64') return { type: 'image_url', image_url: { url: `data:${String(source.media_type)};base64,${String(source.data)}` } };
  if (source.type === 'url' && typeof source.url === 'string') return { type: 'image_url', image_url: { url: source.url } };
  return fail(`${param}.source.type`, "must be 'base64' or 'url'");
}

/** One Anthropic turn may become several unified messages: tool results are messages of their own. */
function translateTurn(message: unknown, index: number): Json[] {
  const param = `messages.${index}`;
  if (!isObject(message)) return fail(param, 'must be an object');
  const role = message.role;
  if (role !== 'user' && role !== 'assistant') return fail(`${param}.role`, "must be 'user' or 'assistant'");
  if (typeof message.content === 'string') return [{ role, content: message.content }];
  if (!Array.isArray(message.content)) return fail(`${param}.content`, 'must be a string or an array of content blocks');
  const parts: Json[] = [];
  const toolCalls: Json[] = [];
  const toolResults: Json[] = [];
  message.content.forEach((block: unknown, i: number) => {
    const p = `${param}.content.${i}`;
    if (!isObject(block)) return fail(p, 'must be a content block');
    switch (block.type) {
      case 'text':
        parts.push({ type: 'text', text: String(block.text ?? '') });
        break;
      case 'image':
        parts.push(imagePart(block, p));
        break;
      case 'tool_use':
        if (role !== 'assistant') fail(`${p}.type`, 'tool_use blocks belong to assistant turns');
        toolCalls.push({ id: String(block.id), type: 'function', function: { name: String(block.name), arguments: JSON.stringify(block.input ?? {}) } });
        break;
      case 'tool_result':
        if (role !== 'user') fail(`${p}.type`, 'tool_result blocks belong to user turns');
        toolResults.push({ role: 'tool', tool_call_id: String(block.tool_use_id), content: block.content === undefined ? '' : textOf(block.content, `${p}.content`) });
        break;
      case 'thinking':
      case 'redacted_thinking':
        // Earlier reasoning is the provider's own state; other providers cannot take it back.
        break;
      default:
        fail(`${p}.type`, `unsupported content block type '${String(block.type)}'`);
    }
  });
  const out: Json[] = [...toolResults];
  const onlyText = parts.every((p) => p.type === 'text');
  const content = parts.length === 0 ? (toolCalls.length ? null : undefined) : onlyText ? parts.map((p) => p.text).join('') : parts;
  if (content !== undefined || toolCalls.length) out.push({ role, content: content ?? null, ...(toolCalls.length ? { tool_calls: toolCalls } : {}) });
  return out;
}

function translateToolChoice(choice: unknown): unknown {
  if (!isObject(choice)) return fail('tool_choice', 'must be an object');
  switch (choice.type) {
    case 'auto':
      return 'auto';
    case 'any':
      return 'required';
    case 'none':
      return 'none';
    case 'tool':
      return { type: 'function', function: { name: String(choice.name) } };
    default:
      return fail('tool_choice.type', "must be 'auto', 'any', 'tool' or 'none'");
  }
}

/**
 * `output_config.format` (Anthropic's structured output) as OpenAI's `response_format`. Strict, because
 * Anthropic's format is a guarantee (constrained decoding), not a hint: a provider that cannot hold the schema
 * to it answers 400 rather than returning JSON that may not match. The Anthropic adapter turns it back into
 * `output_config.format`.
 */
function translateOutputConfig(config: unknown): Json | undefined {
  if (!isObject(config)) return fail('output_config', 'must be an object');
  const format = config.format;
  if (format === undefined || format === null) return undefined;
  if (!isObject(format) || format.type !== 'json_schema') return fail('output_config.format.type', "must be 'json_schema'");
  if (!isObject(format.schema)) return fail('output_config.format.schema', 'is required (a JSON schema)');
  return { type: 'json_schema', json_schema: { name: 'output', schema: format.schema, strict: true } };
}

export function anthropicToChatRequest(body: unknown): ChatRequest {
  if (!isObject(body)) return fail('body', 'must be a JSON object');
  if (typeof body.model !== 'string' || !body.model || body.model.length > 256) return fail('model', 'is required (a model name)');
  if (!Number.isInteger(body.max_tokens) || (body.max_tokens as number) < 1) return fail('max_tokens', 'is required and must be a positive integer');
  if (!Array.isArray(body.messages) || body.messages.length === 0) return fail('messages', 'must be a non-empty array');
  const messages: Json[] = [];
  if (body.system !== undefined) messages.push({ role: 'system', content: textOf(body.system, 'system') });
  body.messages.forEach((m, i) => messages.push(...translateTurn(m, i)));

  const request: ChatRequest = { model: body.model, messages, max_tokens: body.max_tokens };
  if (body.stream !== undefined) {
    if (typeof body.stream !== 'boolean') fail('stream', 'must be a boolean');
    request.stream = body.stream as boolean;
  }
  if (body.temperature !== undefined) request.temperature = body.temperature;
  if (body.top_p !== undefined) request.top_p = body.top_p;
  if (body.stop_sequences !== undefined) request.stop = body.stop_sequences;
  if (isObject(body.metadata) && typeof body.metadata.user_id === 'string') request.user = body.metadata.user_id;
  if (body.tools !== undefined) {
    if (!Array.isArray(body.tools)) fail('tools', 'must be an array');
    request.tools = (body.tools as unknown[]).map((t, i) =>
      isObject(t) && typeof t.name === 'string'
        ? { type: 'function', function: { name: t.name, description: t.description, parameters: t.input_schema ?? { type: 'object' } } }
        : fail(`tools.${i}`, 'must be a tool with a name and an input_schema'),
    );
  }
  if (body.tool_choice !== undefined) {
    request.tool_choice = translateToolChoice(body.tool_choice);
    if (isObject(body.tool_choice) && body.tool_choice.disable_parallel_tool_use === true) request.parallel_tool_calls = false;
  }
  if (body.output_config !== undefined) {
    const responseFormat = translateOutputConfig(body.output_config);
    if (responseFormat) request.response_format = responseFormat;
  }
  if (isObject(body.thinking) && body.thinking.type === 'enabled') {
    request.reasoning_effort = effortForBudget(Number(body.thinking.budget_tokens ?? 0));
  }
  return request;
}
