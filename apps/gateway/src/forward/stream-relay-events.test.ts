import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createOpenAiStreamTranslator } from '@tollgate/providers';
import { relayStream, type StreamOutcome } from './stream-relay';
import { openAiIngress } from './ingress';

/** Runs the relay with the OpenAI translator over upstream SSE text split into `parts`; returns what the client got and the outcome. */
async function relay(parts: string[], clientWantsUsage = false) {
  let outcome: StreamOutcome | undefined;
  const stream = relayStream({
    upstream: Readable.from(parts.map((p) => Buffer.from(p))),
    translator: createOpenAiStreamTranslator({ request: { model: 'gpt-4o-mini', messages: [] }, rawBody: '', clientWantsUsage }),
    elapsedMs: () => 1,
    errorEvent: openAiIngress.streamError,
    onEnd: (o) => (outcome = o),
  });
  const text = await new Response(stream).text();
  return { text, outcome: outcome! };
}

const chunk = (content: string) =>
  `data: {"id":"c1","object":"chat.completion.chunk","model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"delta":{"content":"${content}"},"finish_reason":null}]}\n\n`;
// Spaced JSON, as Python's json.dumps writes it (a LiteLLM or vLLM upstream).
const spacedUsage =
  'data: {"id": "c1", "object": "chat.completion.chunk", "choices": [], "usage": {"prompt_tokens": 12, "completion_tokens": 7, "total_tokens": 19, "prompt_tokens_details": {"cached_tokens": 4}}}\n\n';

describe('relayStream with the OpenAI translator', () => {
  it('reads usage written with spaces around the colon, and hides it from a client that did not ask', async () => {
    const { text, outcome } = await relay([chunk('Hi'), spacedUsage, 'data: [DONE]\n\n']);
    expect(outcome.usage).toEqual({ inputTokens: 8, cacheReadTokens: 4, cacheWriteTokens: 0, outputTokens: 7, reasoningTokens: 0 });
    expect(text).not.toContain('usage');
    expect(text).toContain('data: [DONE]');
    expect(outcome.completed).toBe(true);
  });

  it('passes the usage chunk on when the client asked for it', async () => {
    const { text } = await relay([chunk('Hi'), spacedUsage, 'data: [DONE]\n\n'], true);
    expect(text).toContain('"usage": {"prompt_tokens": 12');
  });

  it('records a stream that carried an error event as failed, even when [DONE] followed', async () => {
    const errorEvent = 'data: {"error": {"message": "The model crashed", "type": "server_error"}}\n\n';
    const { text, outcome } = await relay([chunk('Hi'), errorEvent, 'data: [DONE]\n\n']);
    expect(text).toContain('The model crashed');
    expect(outcome).toMatchObject({ completed: false, errorCode: 'upstream_error' });
    expect(outcome.errorMessage).toMatch(/The model crashed/);
  });

  it('forwards events intact when the upstream splits them at awkward places, keep-alive comments included', async () => {
    const whole = `: keep-alive\n\n${chunk('a')}${chunk('b')}data: [DONE]\n\n`;
    const parts = [whole.slice(0, 5), whole.slice(5, 40), whole.slice(40, 41), whole.slice(41)];
    const { text, outcome } = await relay(parts);
    expect(text).toBe(whole);
    expect(outcome.upstreamModel).toBe('gpt-4o-mini-2024-07-18');
  });
});
