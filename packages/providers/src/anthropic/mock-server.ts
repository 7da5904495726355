/**
 * A stand-in for api.anthropic.com that speaks its real wire format (`POST /v1/messages`, whole or streamed)
 * over a real socket, for adapter, SDK and gateway tests and benchmarks. Answers are deterministic (see
 * `planMessage`); special model names trigger provider failures:
 * - `mock-error-529`: 529 `overloaded_error`;
 * - `mock-error-429`: 429 `rate_limit_error` with `retry-after: 1`;
 * - `mock-cut-stream`: a streamed answer whose socket is destroyed after the first text delta;
 * - `mock-stream-error`: a streamed answer that ends with an `error` event (overloaded) instead of message_stop.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RecordedRequest } from '../openai/mock-server';
import { anthropicError, anthropicId, frame, messageBody, messageStreamFrames, planMessage } from './mock-wire';
import { MockHttpError, invalid, validateMessagesBody } from './mock-validate';
import { listenMock, recordRequest, sendJson } from '../mock-http';

export interface MockAnthropicOptions {
  /** The only key accepted in `x-api-key`; default `sk-ant-mock`. */
  apiKey?: string;
  /** Default 0: a free port. */
  port?: number;
  /** Pause between streamed events, to simulate a provider's pace; default 0. */
  chunkDelayMs?: number;
  /** Pause before the response headers, like a provider still queueing the request; default 0. */
  firstByteDelayMs?: number;
  /** Default `127.0.0.1`. */
  host?: string;
}

export interface MockAnthropic {
  /** The API base URL with its version, e.g. `http://127.0.0.1:PORT/v1` (the Anthropic SDK's `baseURL` is this without `/v1`). */
  url: string;
  port: number;
  /** Every request received, in order of arrival, including rejected ones. */
  requests: RecordedRequest[];
  close(): Promise<void>;
}



function checkHeaders(req: IncomingMessage, apiKey: string): void {
  const key = req.headers['x-api-key'];
  if (key === undefined || key === '') throw new MockHttpError(401, anthropicError('authentication_error', 'x-api-key header is required'));
  if (key !== apiKey) throw new MockHttpError(401, anthropicError('authentication_error', 'invalid x-api-key'));
  if (!req.headers['anthropic-version']) throw invalid('anthropic-version: header is required');
}

/** Failures a test asks for by model name, after validation like the real API. */
function modelSwitch(model: string): void {
  if (model === 'mock-error-529') throw new MockHttpError(529, anthropicError('overloaded_error', 'Overloaded'));
  if (model === 'mock-error-429') {
    throw new MockHttpError(
      429,
      anthropicError('rate_limit_error', 'This request would exceed the rate limit for your organization of 50 requests per minute.'),
      { 'retry-after': '1' },
    );
  }
}

export async function startMockAnthropic(options: MockAnthropicOptions = {}): Promise<MockAnthropic> {
  const apiKey = options.apiKey ?? 'sk-ant-mock';
  const chunkDelayMs = options.chunkDelayMs ?? 0;
  const firstByteDelayMs = options.firstByteDelayMs ?? 0;
  const host = options.host ?? '127.0.0.1';
  const requests: RecordedRequest[] = [];

  async function stream(res: ServerResponse, frames: string[], model: string): Promise<void> {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    // message_start, the first block's start, ping, and its first delta: then the switch strikes.
    const cutAt = model === 'mock-cut-stream' || model === 'mock-stream-error' ? 3 : -1;
    for (let i = 0; i < frames.length; i++) {
      if (i > 0 && chunkDelayMs > 0) await sleep(chunkDelayMs);
      if (res.destroyed) return;
      if (i === cutAt && model === 'mock-cut-stream') {
        // Destroy only once the event is flushed, so the client really receives a partial stream.
        res.write(frames[i], () => res.destroy());
        return;
      }
      if (i === cutAt) {
        res.end(frames[i] + frame(anthropicError('overloaded_error', 'Overloaded')));
        return;
      }
      res.write(frames[i]);
    }
    res.end();
  }

  async function messages(rec: RecordedRequest, parsed: boolean, res: ServerResponse): Promise<void> {
    if (!parsed) throw invalid('There was an error parsing the body of your request: the body is not valid JSON');
    const body = validateMessagesBody(rec.body);
    const model = body.model as string;
    modelSwitch(model);
    const plan = planMessage(body);
    if (body.stream === true) return stream(res, messageStreamFrames(plan), model);
    sendJson(res, 200, messageBody(plan));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.setHeader('request-id', anthropicId('req_'));
    const { rec, parsed } = await recordRequest(req, res, requests, firstByteDelayMs);
    try {
      checkHeaders(req, apiKey);
      if (rec.method === 'POST' && rec.path === '/v1/messages') return await messages(rec, parsed, res);
      throw new MockHttpError(404, anthropicError('not_found_error', 'Not Found'));
    } catch (err) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (err instanceof MockHttpError) sendJson(res, err.status, err.body, err.headers);
      else sendJson(res, 500, anthropicError('api_error', 'Internal server error'));
    }
  }

  const listener = await listenMock(handle, { port: options.port, host });
  return {
    url: `${listener.origin}/v1`,
    port: listener.port,
    requests,
    close: () => listener.close(),
  };
}
