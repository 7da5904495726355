import { pooledRandomBytes, type Usage } from '@tollgate/domain';
import { normalizeOpenAiUsage } from '../openai/usage';
import type { ResponsesEcho } from './request';
import type { Json } from './validation';

/** OpenAI-looking item ids: a prefix and 48 hex digits (`resp_…`, `msg_…`, `fc_…`, `rs_…`). */
export const responsesId = (prefix: 'resp' | 'msg' | 'fc' | 'fco' | 'rs' | 'item') => `${prefix}_${pooledRandomBytes(24).toString('hex')}`;

export type ResponseStatus = 'in_progress' | 'completed' | 'incomplete' | 'failed';

/** The unified (chat) usage in the Responses API's words; both count cached input and reasoning inside the totals. */
export function responsesUsage(usage: unknown): Json | null {
  const u = normalizeOpenAiUsage(usage);
  return u && responsesUsageOf(u);
}

export function responsesUsageOf(u: Usage): Json {
  const input = u.inputTokens + u.cacheReadTokens + u.cacheWriteTokens;
  const output = u.outputTokens + u.reasoningTokens;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: u.cacheReadTokens },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: u.reasoningTokens },
    total_tokens: input + output,
  };
}

/** Why a response stopped short, from the chat finish reason; null when it finished. */
export function incompleteReason(finish: unknown): 'max_output_tokens' | 'content_filter' | null {
  if (finish === 'length') return 'max_output_tokens';
  if (finish === 'content_filter') return 'content_filter';
  return null;
}

export interface ResponseState {
  id: string;
  createdAt: number;
  status: ResponseStatus;
  model: string;
  output: Json[];
  usage: Json | null;
  incomplete: string | null;
  error: { code: string; message: string } | null;
}

/** The Responses object, with the request's fields repeated as OpenAI's answer repeats them. */
export function responseObject(state: ResponseState, echo: ResponsesEcho): Json {
  const text = state.output
    .filter((item) => item.type === 'message')
    .flatMap((item) => (item.content as Json[]).filter((p) => p.type === 'output_text').map((p) => p.text as string))
    .join('');
  return {
    id: state.id,
    object: 'response',
    created_at: state.createdAt,
    status: state.status,
    ...(state.status === 'completed' ? { completed_at: Math.floor(Date.now() / 1000) } : {}),
    background: false,
    error: state.error,
    incomplete_details: state.incomplete ? { reason: state.incomplete } : null,
    instructions: echo.instructions,
    max_output_tokens: echo.max_output_tokens,
    metadata: echo.metadata,
    model: state.model,
    output: state.output,
    // Not an SDK field but OpenAI sends it, and some clients (the Python SDK's models) read it.
    output_text: text,
    parallel_tool_calls: echo.parallel_tool_calls,
    previous_response_id: echo.previous_response_id,
    reasoning: echo.reasoning,
    service_tier: 'default',
    // True only when the gateway keeps it (ADR 0022), so a client never counts on a response that is not there.
    store: echo.store,
    temperature: echo.temperature,
    text: echo.text,
    tool_choice: echo.tool_choice,
    tools: echo.tools,
    top_p: echo.top_p,
    truncation: 'disabled',
    usage: state.usage,
    // Optional and never null in the reference: present only when the caller named one.
    ...(echo.user !== null ? { user: echo.user } : {}),
  };
}

export const reasoningItem = (id: string, text: string, status: ResponseStatus = 'completed'): Json => ({
  id,
  type: 'reasoning',
  status,
  summary: text ? [{ type: 'summary_text', text }] : [],
});

export const outputText = (text: string): Json => ({ type: 'output_text', text, annotations: [], logprobs: [] });

export const messageItem = (id: string, content: Json[], status: ResponseStatus = 'completed'): Json => ({
  id,
  type: 'message',
  status,
  role: 'assistant',
  content,
});

export const functionCallItem = (id: string, callId: string, name: string, args: string, status: ResponseStatus = 'completed'): Json => ({
  id,
  type: 'function_call',
  status,
  call_id: callId,
  name,
  arguments: args,
});

/** A unified `chat.completion` as the Responses object `client.responses.create` returns. */
export function chatCompletionToResponse(completion: Json, echo: ResponsesEcho, providerUsage?: Usage | null): Json {
  const choice = ((completion.choices as Json[] | undefined) ?? [])[0] ?? {};
  const message = (choice.message ?? {}) as Json;
  const incomplete = incompleteReason(choice.finish_reason);
  const itemStatus = incomplete ? 'incomplete' : 'completed';
  const output: Json[] = [];
  if (typeof message.reasoning_content === 'string' && message.reasoning_content) {
    output.push(reasoningItem(responsesId('rs'), message.reasoning_content));
  }
  const calls = (message.tool_calls as Json[] | undefined) ?? [];
  const content: Json[] = [];
  if (typeof message.content === 'string' && message.content) content.push(outputText(message.content));
  if (typeof message.refusal === 'string' && message.refusal) content.push({ type: 'refusal', refusal: message.refusal });
  // An answer of nothing but tool calls has no message item, as OpenAI answers it.
  if (content.length || !calls.length) output.push(messageItem(responsesId('msg'), content.length ? content : [outputText('')], itemStatus));
  for (const call of calls) {
    const fn = (call.function ?? {}) as Json;
    output.push(functionCallItem(responsesId('fc'), String(call.id), String(fn.name ?? ''), typeof fn.arguments === 'string' ? fn.arguments : '{}'));
  }
  return responseObject(
    {
      id: responsesId('resp'),
      createdAt: typeof completion.created === 'number' ? completion.created : Math.floor(Date.now() / 1000),
      status: incomplete ? 'incomplete' : 'completed',
      model: typeof completion.model === 'string' ? completion.model : echo.model,
      output,
      // The adapter's own reading of the provider's usage keeps what the unified body may not (cache writes).
      usage: providerUsage ? responsesUsageOf(providerUsage) : responsesUsage(completion.usage),
      incomplete,
      error: null,
    },
    echo,
  );
}
