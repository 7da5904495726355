/** A Bedrock Converse response → the unified `chat.completion`. */
import { randomUUID } from 'node:crypto';
import type { ChatCompletion, ChatCompletionMessageFunctionToolCall } from 'openai/resources/chat/completions';
import { UpstreamFormatError, type TranslatedResponse } from '../adapter';
import { normalizeBedrockUsage, openAiUsageOf } from './usage';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

type FinishReason = ChatCompletion.Choice['finish_reason'];

/** Converse stop reasons in OpenAI's words; a guardrail or content filter stopping the answer is OpenAI's content_filter. */
export function finishReasonOf(stopReason: unknown): FinishReason {
  switch (stopReason) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'content_filtered':
    case 'guardrail_intervened':
      return 'content_filter';
    default:
      return 'stop';
  }
}

/** Converse answers carry no id (only the `x-amzn-requestid` header, which adapters do not see). */
export const completionId = (): string => `chatcmpl-${randomUUID().replace(/-/g, '')}`;

export type BedrockChatCompletion = ChatCompletion & {
  choices: Array<ChatCompletion.Choice & { message: ChatCompletion.Choice['message'] & { reasoning_content?: string } }>;
};

export function translateConverseResponse(bytes: Buffer, model: string): TranslatedResponse {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new UpstreamFormatError('The provider answered with a body that is not JSON.');
  }
  const message = isObj(parsed) && isObj(parsed.output) ? parsed.output.message : undefined;
  if (!isObj(parsed) || !isObj(message) || !Array.isArray(message.content)) {
    throw new UpstreamFormatError('The provider answered with something that is not a Converse response.');
  }
  let text = '';
  let reasoning = '';
  const toolCalls: ChatCompletionMessageFunctionToolCall[] = [];
  for (const block of message.content as unknown[]) {
    if (!isObj(block)) continue;
    if (typeof block.text === 'string') text += block.text;
    else if (isObj(block.toolUse) && typeof block.toolUse.toolUseId === 'string' && typeof block.toolUse.name === 'string') {
      toolCalls.push({ id: block.toolUse.toolUseId, type: 'function', function: { name: block.toolUse.name, arguments: JSON.stringify(block.toolUse.input ?? {}) } });
    } else if (isObj(block.reasoningContent) && isObj(block.reasoningContent.reasoningText) && typeof block.reasoningContent.reasoningText.text === 'string') {
      // Exposed the way DeepSeek-style clients read reasoning; OpenAI's format has no field for it.
      reasoning += block.reasoningContent.reasoningText.text;
    }
  }
  const usage = normalizeBedrockUsage(parsed.usage);
  const out: BedrockChatCompletion['choices'][number]['message'] = {
    role: 'assistant',
    content: text === '' && toolCalls.length > 0 ? null : text,
    refusal: null,
  };
  if (toolCalls.length > 0) out.tool_calls = toolCalls;
  if (reasoning !== '') out.reasoning_content = reasoning;
  const completion: BedrockChatCompletion = {
    id: completionId(),
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message: out, logprobs: null, finish_reason: finishReasonOf(parsed.stopReason) }],
    usage: openAiUsageOf(usage ?? { inputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, outputTokens: 0, reasoningTokens: 0 }),
  };
  // Converse does not name the model that answered; the model id the gateway called is the best answer.
  return { body: JSON.stringify(completion), usage, model };
}
