/**
 * For adapter tests: sends what an adapter builds to a real (mock) provider over a socket with undici, as the
 * gateway does, and reads the answer back through the same adapter.
 */
import { request } from 'undici';
import type { Usage } from '@tollgate/domain';
import type { ChatAdapter, ChatCall, ChatRequest, ProviderTarget, TranslatedError, UpstreamRequest } from '../adapter';

export function chatCall(body: ChatRequest, rawBody: string = JSON.stringify(body)): ChatCall {
  return { request: body, rawBody, clientWantsUsage: body.stream_options?.include_usage === true };
}

export function target(baseUrl: string, model: string, extra: Partial<ProviderTarget> = {}): ProviderTarget {
  return { baseUrl, apiKey: 'sk-mock', model, settings: {}, ...extra };
}

export interface Exchange {
  sent: UpstreamRequest;
  status: number;
  /** The non-streamed answer, parsed. */
  json?: Record<string, unknown>;
  /** The streamed answer as the caller would receive it. */
  sse?: string;
  usage: Usage | null;
  model: string | null;
  completed?: boolean;
  error?: TranslatedError;
}

export async function exchange(adapter: ChatAdapter, t: ProviderTarget, call: ChatCall): Promise<Exchange> {
  const sent = await adapter.buildChatRequest(call, t);
  const res = await request(sent.url, { method: 'POST', headers: sent.headers, body: sent.body });
  if (res.statusCode >= 400) {
    const error = adapter.translateError(res.statusCode, Buffer.from(await res.body.arrayBuffer()));
    return { sent, status: res.statusCode, usage: null, model: null, error };
  }
  if (!call.request.stream) {
    const bytes = Buffer.from(await res.body.arrayBuffer());
    const translated = adapter.translateChatResponse(bytes, call, t);
    return { sent, status: res.statusCode, json: JSON.parse(bytes.toString('utf8')), usage: translated.usage, model: translated.model };
  }
  const translator = adapter.createChatStreamTranslator(call, t);
  let sse = '';
  for await (const part of res.body) sse += translator.push(part as Buffer);
  sse += translator.end();
  return { sent, status: res.statusCode, sse, usage: translator.usage, model: translator.model, completed: translator.completed };
}

/** The JSON chunks of an SSE text, without `[DONE]`. */
export function sseChunks(sse: string): Array<Record<string, unknown>> {
  return sse
    .split('\n')
    .filter((line) => line.startsWith('data: ') && line !== 'data: [DONE]')
    .map((line) => JSON.parse(line.slice('data: '.length)) as Record<string, unknown>);
}
