/**
 * An Anthropic Message → the unified `chat.completion`.
 *
 * Extended thinking has no field in OpenAI's format. It is exposed the way DeepSeek and OpenRouter-style
 * clients already read it: the thinking text joined as `message.reasoning_content`, plus LiteLLM's
 * `message.thinking_blocks` (each block with its signature) so a caller can hand them back on the next turn —
 * Anthropic requires the signed thinking of a tool-use turn when thinking stays on.
 */
import type { ChatCompletion, ChatCompletionMessageFunctionToolCall } from 'openai/resources/chat/completions';
import type { Usage } from '@tollgate/domain';
import { UpstreamFormatError, type TranslatedResponse } from '../adapter';
import { normalizeAnthropicUsage, openAiUsageOf } from './usage';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export type ThinkingBlockOut = { type: 'thinking'; thinking: string; signature: string } | { type: 'redacted_thinking'; data: string };

export type AnthropicChatCompletion = ChatCompletion & {
  choices: Array<ChatCompletion.Choice & { message: ChatCompletion.Choice['message'] & { reasoning_content?: string; thinking_blocks?: ThinkingBlockOut[] } }>;
};

type FinishReason = ChatCompletion.Choice['finish_reason'];

/**
 * Anthropic's stop reasons in OpenAI's words. `pause_turn` (a server tool paused a long turn) ends this answer
 * normally; `refusal` is what OpenAI calls a content filter; running out of context is running out of length.
 */
export function finishReasonOf(stopReason: unknown): FinishReason {
  switch (stopReason) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      return 'stop';
  }
}

const emptyUsage = (): Usage => ({ inputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, outputTokens: 0, reasoningTokens: 0 });

export function translateAnthropicResponse(bytes: Buffer): TranslatedResponse {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new UpstreamFormatError('The provider answered with a body that is not JSON.');
  }
  if (!isObj(parsed) || parsed.type !== 'message' || !Array.isArray(parsed.content)) {
    throw new UpstreamFormatError('The provider answered with something that is not an Anthropic message.');
  }
  const msg = parsed;
  let text = '';
  let reasoning = '';
  const thinkingBlocks: ThinkingBlockOut[] = [];
  const toolCalls: ChatCompletionMessageFunctionToolCall[] = [];
  for (const block of msg.content as unknown[]) {
    if (!isObj(block)) continue;
    if (block.type === 'text' && typeof block.text === 'string') text += block.text;
    else if (block.type === 'thinking' && typeof block.thinking === 'string') {
      reasoning += block.thinking;
      thinkingBlocks.push({ type: 'thinking', thinking: block.thinking, signature: typeof block.signature === 'string' ? block.signature : '' });
    } else if (block.type === 'redacted_thinking' && typeof block.data === 'string') {
      thinkingBlocks.push({ type: 'redacted_thinking', data: block.data });
    } else if (block.type === 'tool_use' && typeof block.id === 'string' && typeof block.name === 'string') {
      toolCalls.push({ id: block.id, type: 'function', function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) } });
    }
    // Server-side tool blocks (web search and the like) have no OpenAI counterpart; their text answer is in `text` blocks.
  }

  const usage = normalizeAnthropicUsage(msg.usage);
  const model = typeof msg.model === 'string' ? msg.model : null;
  const message: AnthropicChatCompletion['choices'][number]['message'] = {
    role: 'assistant',
    // OpenAI sends null content for a pure tool-call turn; SDK users test for it.
    content: text === '' && toolCalls.length > 0 ? null : text,
    refusal: null,
  };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  if (thinkingBlocks.length > 0) {
    message.reasoning_content = reasoning;
    message.thinking_blocks = thinkingBlocks;
  }
  const completion: AnthropicChatCompletion = {
    id: typeof msg.id === 'string' ? msg.id : 'msg_unknown',
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: model ?? '',
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishReasonOf(msg.stop_reason) }],
    usage: openAiUsageOf(usage ?? emptyUsage()),
  };
  return { body: JSON.stringify(completion), usage, model };
}
