import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerResponse } from 'node:http';
import OpenAI from 'openai';
import { startTestGateway } from '../testing/gateway-harness';
import { startScriptedUpstream } from '../testing/scripted-upstream';
import { testKeys, testSnapshot } from '../testing/test-snapshot';

// Issue 16 item 2 and the cut-stream sentence of item 5: an upstream's usage is believed only when every count
// is a non-negative integer within 10M per call; otherwise (and when a stream is cut without usage) the call is
// billed the gateway's estimate and the record says so. Before, 1e308 output tokens were stored as such and a
// cut stream billed 0.
const answerText = 'The quick brown fox jumps over the lazy dog.';
let reply: (res: ServerResponse) => void = () => undefined;
let upstream: Awaited<ReturnType<typeof startScriptedUpstream>>;
let gateway: Awaited<ReturnType<typeof startTestGateway>>;
let client: OpenAI;
const hello = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'hello there, how are you today?' }] };
const lastRecord = async () => (await gateway.flushed()).at(-1)!;

/** A real OpenAI chat completion body whose `usage.completion_tokens` is written verbatim (1e308, -5, "12"). */
const completionWith = (completionTokens: string) =>
  `{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o-mini","choices":[{"index":0,` +
  `"message":{"role":"assistant","content":${JSON.stringify(answerText)}},"finish_reason":"stop"}],` +
  `"usage":{"prompt_tokens":9,"completion_tokens":${completionTokens},"total_tokens":9}}`;
const chunk = (content: string) =>
  `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;

beforeAll(async () => {
  upstream = await startScriptedUpstream((_req, res) => reply(res));
  gateway = await startTestGateway(testSnapshot({ providerUrl: upstream.url }), { retry: { rounds: 0, maxBackoffMs: 0 } });
  client = new OpenAI({ apiKey: testKeys.approved, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

describe('usage an upstream reports', () => {
  for (const bad of ['1e308', '-5', '"12"', '20000000', '1.5e20']) {
    it(`is not believed when completion_tokens is ${bad}: the record holds the estimate, marked usage_invalid`, async () => {
      reply = (res) => res.writeHead(200, { 'content-type': 'application/json' }).end(completionWith(bad));
      const completion = await client.chat.completions.create(hello);
      expect(completion.choices[0]!.message.content).toBe(answerText);
      const record = await lastRecord();
      expect(record.usageProblem).toBe('usage_invalid');
      expect(record.errorMessage).toBeTruthy();
      // The estimate: the answer's ~44 characters, not 1e308 (nor 0, a free call).
      expect(record.outputTokens).toBeGreaterThan(0);
      expect(record.outputTokens).toBeLessThan(100);
      expect(record.inputTokens).toBeGreaterThan(0);
      expect(Number.isSafeInteger(record.costMicroUsd)).toBe(true);
    });
  }

  it('is believed when it is sane', async () => {
    reply = (res) => res.writeHead(200, { 'content-type': 'application/json' }).end(completionWith('11'));
    await client.chat.completions.create(hello);
    expect(await lastRecord()).toMatchObject({ usageProblem: null, inputTokens: 9, outputTokens: 11 });
  });
});

describe('a stream the upstream cuts mid-way', () => {
  it('bills the text already delivered, not zero', async () => {
    reply = (res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(chunk('The quick brown fox '));
      res.write(chunk('jumps over the lazy dog, again and again and again.'), () => setTimeout(() => res.destroy(), 50));
    };
    const stream = await client.chat.completions.create({ ...hello, stream: true });
    let text = '';
    await expect(
      (async () => {
        for await (const part of stream) text += part.choices[0]?.delta?.content ?? '';
      })(),
    ).rejects.toThrow();
    expect(text).toContain('The quick brown fox');
    const record = await lastRecord();
    expect(record.usageProblem).toBe('usage_missing');
    expect(record.outputTokens).toBeGreaterThanOrEqual(10);
    expect(record.outputTokens).toBeLessThan(100);
  });
});
