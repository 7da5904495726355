import { pooledRandomBytes, type Usage } from '@tollgate/domain';
import { normalizeOpenAiUsage } from '../openai/usage';
import { anthropicUsage } from './usage';

type Json = Record<string, unknown>;

export const anthropicMessageId = () => `msg_${pooledRandomBytes(12).toString('hex')}`;

/** Unified finish reasons in Anthropic's words. */
export function stopReasonFor(finish: unknown): string {
  switch (finish) {
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
    case 'function_call':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
    default:
      return 'end_turn';
  }
}

function parseArguments(text: unknown): unknown {
  try {
    return JSON.parse(String(text ?? '{}'));
  } catch {
    // A model's malformed arguments still reach the caller, as a string it can inspect.
    return { _raw: String(text) };
  }
}

/**
 * A unified `chat.completion` as the Anthropic message the SDK expects. `usage` is the provider's usage as the
 * gateway normalised it, which keeps cache writes apart; without it the unified body's usage is read.
 */
export function chatCompletionToAnthropic(completion: Json, requestedModel: string, usage?: Usage | null): Json {
  const choice = ((completion.choices as Json[] | undefined) ?? [])[0] ?? {};
  const message = (choice.message ?? {}) as Json;
  const content: Json[] = [];
  if (typeof message.reasoning_content === 'string' && message.reasoning_content) {
    content.push({ type: 'thinking', thinking: message.reasoning_content, signature: '' });
  }
  if (typeof message.content === 'string' && message.content) content.push({ type: 'text', text: message.content });
  for (const call of (message.tool_calls as Json[] | undefined) ?? []) {
    const fn = (call.function ?? {}) as Json;
    content.push({ type: 'tool_use', id: String(call.id), name: String(fn.name), input: parseArguments(fn.arguments) });
  }
  return {
    id: anthropicMessageId(),
    type: 'message',
    role: 'assistant',
    model: typeof completion.model === 'string' ? completion.model : requestedModel,
    content,
    stop_reason: stopReasonFor(choice.finish_reason),
    stop_sequence: null,
    usage: anthropicUsage(usage ?? normalizeOpenAiUsage(completion.usage)),
  };
}

/** Unified (OpenAI) error bodies in Anthropic's shape, with Anthropic's error type for the status. */
export function anthropicErrorBody(status: number, message: string): Json {
  const type =
    status === 400 || status === 413 || status === 404 ? (status === 404 ? 'not_found_error' : status === 413 ? 'request_too_large' : 'invalid_request_error')
    : status === 401 ? 'authentication_error'
    : status === 403 ? 'permission_error'
    : status === 429 ? 'rate_limit_error'
    : status === 529 || status === 503 ? 'overloaded_error'
    : 'api_error';
  return { type: 'error', error: { type, message } };
}
