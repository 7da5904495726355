/**
 * A stand-in for generativelanguage.googleapis.com that speaks Gemini's real wire format over a real socket,
 * for gateway tests and benchmarks: `POST /v1beta/models/{model}:generateContent` and
 * `:streamGenerateContent` (`?alt=sse` for Server-Sent Events with CRLF line ends, as Google sends them;
 * without it, a JSON array). Answers are deterministic (see `planGemini`); model names switch on failures:
 * - `mock-error-429`: 429 RESOURCE_EXHAUSTED;
 * - `mock-error-500`: 500 INTERNAL;
 * - `mock-cut-stream`: a stream whose socket is destroyed after two chunks (one for a short answer), before the
 *   finish reason;
 * - `mock-stream-error`: a stream that sends one chunk, then an error object, then ends.
 * Models not called `gemini-…` or `mock-…` answer 404 NOT_FOUND.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RecordedRequest } from '../openai/mock-server';
import { GeminiHttpError, checkGenerateContentRequest, geminiError, invalidArgument } from './mock-validate';
import { generateContentBody, planGemini, sseFrame, streamChunks } from './mock-wire';
import { listenMock, recordRequest, sendJson } from '../mock-http';
// Google's answers are pretty-printed with a charset; the mock answers the same way.
const sendGeminiJson = (res: ServerResponse, status: number, body: unknown) =>
  sendJson(res, status, body, { 'content-type': 'application/json; charset=UTF-8' }, 2);


export type { RecordedRequest } from '../openai/mock-server';

export interface MockGeminiOptions {
  /** The only key accepted (`x-goog-api-key` header or `?key=`); default `gemini-mock-key`. */
  apiKey?: string;
  /** Default 0: a free port. */
  port?: number;
  /** Pause between streamed chunks; default 0. */
  chunkDelayMs?: number;
  /** Pause before the response headers; default 0. */
  firstByteDelayMs?: number;
  /** Default `127.0.0.1`. */
  host?: string;
}

export interface MockGemini {
  /** The API base URL including the version, e.g. `http://127.0.0.1:PORT/v1beta`. */
  url: string;
  port: number;
  /** Every request received, in order of arrival, including rejected ones. */
  requests: RecordedRequest[];
  close(): Promise<void>;
}

const API_KEY_INVALID = [
  {
    '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
    reason: 'API_KEY_INVALID',
    domain: 'googleapis.com',
    metadata: { service: 'generativelanguage.googleapis.com' },
  },
  { '@type': 'type.googleapis.com/google.rpc.LocalizedMessage', locale: 'en-US', message: 'API key not valid. Please pass a valid API key.' },
];

function checkAuth(req: IncomingMessage, url: URL, apiKey: string): void {
  const header = req.headers['x-goog-api-key'];
  const given = (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get('key');
  if (given === null || given === undefined || given === '') {
    throw geminiError(
      403,
      "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
    );
  }
  if (given !== apiKey) throw geminiError(400, 'API key not valid. Please pass a valid API key.', API_KEY_INVALID);
}

function modelSwitch(model: string, method: string): void {
  if (model === 'mock-error-429') {
    throw geminiError(
      429,
      'You exceeded your current quota, please check your plan and billing details.',
      [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '1s' }],
    );
  }
  if (model === 'mock-error-500') {
    throw geminiError(500, 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting');
  }
  if (!model.startsWith('gemini-') && !model.startsWith('mock-')) {
    throw geminiError(
      404,
      `models/${model} is not found for API version v1beta, or is not supported for ${method}. Call ListModels to see the list of available models and their supported methods.`,
    );
  }
}



export async function startMockGemini(options: MockGeminiOptions = {}): Promise<MockGemini> {
  const apiKey = options.apiKey ?? 'gemini-mock-key';
  const chunkDelayMs = options.chunkDelayMs ?? 0;
  const firstByteDelayMs = options.firstByteDelayMs ?? 0;
  const host = options.host ?? '127.0.0.1';
  const requests: RecordedRequest[] = [];

  async function stream(res: ServerResponse, frames: string[], sse: boolean, cutAfter: number | null): Promise<void> {
    res.writeHead(200, {
      'content-type': sse ? 'text/event-stream' : 'application/json; charset=UTF-8',
      'content-disposition': 'attachment',
    });
    if (!sse) frames = frames.map((f, i) => (i === 0 ? '[' : ',\r\n') + f).concat(']');
    for (let i = 0; i < frames.length; i++) {
      if (i > 0 && chunkDelayMs > 0) await sleep(chunkDelayMs);
      if (res.destroyed) return;
      if (cutAfter !== null && i === cutAfter - 1) {
        // Destroy only once the chunk is flushed, so the client really receives a partial stream.
        res.write(frames[i], () => res.destroy());
        return;
      }
      res.write(frames[i]);
    }
    res.end();
  }

  async function generate(model: string, method: string, url: URL, body: unknown, res: ServerResponse): Promise<void> {
    const checked = checkGenerateContentRequest(body);
    modelSwitch(model, method);
    const plan = planGemini(model, checked);
    if (method === 'generateContent') return sendGeminiJson(res, 200, generateContentBody(plan));
    const sse = url.searchParams.get('alt') === 'sse';
    const chunks = streamChunks(plan);
    const frames = sse ? chunks.map(sseFrame) : chunks.map((c) => JSON.stringify(c));
    if (model === 'mock-stream-error') {
      const failure = geminiError(500, 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting');
      const errorFrame = sse ? sseFrame(failure.body) : JSON.stringify(failure.body);
      return stream(res, [frames[0]!, errorFrame], sse, null);
    }
    // Cut before the chunk with the finish reason, however short the answer.
    const cutAfter = model === 'mock-cut-stream' ? Math.max(1, Math.min(2, frames.length - 1)) : null;
    return stream(res, frames, sse, cutAfter);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { rec, url, parsed } = await recordRequest(req, res, requests, firstByteDelayMs);
    try {
      checkAuth(req, url, apiKey);
      const route = /^\/v1beta\/models\/([^/:]+):(generateContent|streamGenerateContent)$/.exec(url.pathname);
      if (req.method !== 'POST' || !route) throw geminiError(404, `Method not found: ${req.method} ${url.pathname}`);
      if (!parsed) throw invalidArgument(`Invalid JSON payload received. Unexpected token.\n${rec.rawBody.slice(0, 20)}\n^`);
      await generate(decodeURIComponent(route[1]!), route[2]!, url, rec.body, res);
    } catch (err) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (err instanceof GeminiHttpError) sendGeminiJson(res, err.status, err.body);
      else sendGeminiJson(res, 500, geminiError(500, 'An internal error has occurred.').body);
    }
  }

  const listener = await listenMock(handle, { port: options.port, host });
  return {
    url: `${listener.origin}/v1beta`,
    port: listener.port,
    requests,
    close: () => listener.close(),
  };
}
