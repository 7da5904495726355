/**
 * A stand-in for api.openai.com that speaks its real wire format over a real socket, for gateway tests and
 * benchmarks. Answers are deterministic (see `planChat`); special model names trigger provider failures:
 * - `mock-error-500`: 500 `server_error`;
 * - `mock-error-429`: 429 `rate_limit_exceeded` with `retry-after: 1`;
 * - `mock-cut-stream`: a streamed answer whose socket is destroyed after two chunks, without `[DONE]`.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRequire } from 'node:module';
import { DEFAULT_MODEL_PRICES } from '../pricing/prices';
import {
  MOCK_SWITCH_MODELS,
  countWords,
  embedText,
  float32Base64,
  invalidRequest,
  modelObject,
  openAiError,
  planChat,
  randomId,
} from './mock-wire';
import type { OpenAiErrorBody } from './mock-wire';
import { createMockCompat, deploymentNotFound } from './mock-compat';
import { planResponse, responseBody, responseStreamFrames } from './mock-responses';
import type { MockCompat, MockCompatOptions } from './mock-compat';
import { listenMock, recordRequest, sendJson } from '../mock-http';

/** Loaded only by a mock that asks for it: the encoding takes a quarter of a second to load. */
function realTokenCounter(): (text: string) => number {
  const { countTokens } = createRequire(import.meta.url)('gpt-tokenizer/encoding/o200k_base') as {
    countTokens: (text: string, options: { disallowedSpecial: Set<string> }) => number;
  };
  return (text) => countTokens(text, { disallowedSpecial: new Set() });
}

/** The layout, auth and usage options (see `MockCompatOptions`) make it stand in for OpenAI-compatible providers. */
export interface MockOpenAiOptions extends MockCompatOptions {
  /** The only key accepted as `Authorization: Bearer <key>`; default `sk-mock`; null accepts any or none (Ollama). */
  apiKey?: string | null;
  /** Default 0: a free port. */
  port?: number;
  /** Pause between streamed chunks, to simulate a provider's pace; default 0. */
  chunkDelayMs?: number;
  /** Pause before the response headers, like a provider still queueing the request; default 0. */
  firstByteDelayMs?: number;
  /** Default `127.0.0.1`. */
  host?: string;
  /**
   * Prompt tokens as OpenAI counts them (o200k, plus 3 per message) instead of words: for tests of how close
   * the gateway's reservations come to real usage. Off by default, so usage in other tests stays easy to read.
   */
  realPromptTokens?: boolean;
}

import type { RecordedRequest } from '../mock-http';
export type { RecordedRequest };

export interface MockOpenAi {
  /** The API base URL, e.g. `http://127.0.0.1:PORT/v1`, as the SDK's `baseURL` (Azure layout: the endpoint). */
  url: string;
  port: number;
  /** Every request received, in order of arrival, including rejected ones. */
  requests: RecordedRequest[];
  close(): Promise<void>;
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: OpenAiErrorBody,
    readonly headers: Record<string, string> = {},
  ) {
    super(body.error.message);
  }
}

const badJson = (): HttpError =>
  new HttpError(
    400,
    invalidRequest(
      "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP " +
        'library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)',
    ),
  );

const missing = (param: string): HttpError =>
  new HttpError(400, invalidRequest(`Missing required parameter: '${param}'.`, param, 'missing_required_parameter'));

function maskKey(key: string): string {
  if (key.length <= 8) return '*'.repeat(key.length);
  return `${key.slice(0, 3)}${'*'.repeat(key.length - 7)}${key.slice(-4)}`;
}

function checkAuth(headers: IncomingHttpHeaders, apiKey: string | null, compat: MockCompat): void {
  if (apiKey === null) return;
  if (compat.usesApiKeyHeader) {
    const problem = compat.checkApiKeyHeader(headers, apiKey);
    if (problem) throw new HttpError(problem.status, problem.body);
    return;
  }
  const match = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? '');
  if (!match) {
    throw new HttpError(
      401,
      invalidRequest(
        "You didn't provide an API key. You need to provide your API key in an Authorization header using " +
          'Bearer auth (i.e. Authorization: Bearer YOUR_KEY).',
      ),
    );
  }
  const given = match[1]!.trim();
  if (given !== apiKey) {
    throw new HttpError(
      401,
      invalidRequest(
        `Incorrect API key provided: ${maskKey(given)}. You can find your API key at ` +
          'https://platform.openai.com/account/api-keys.',
        null,
        'invalid_api_key',
      ),
    );
  }
}

function requireModel(body: Json): string {
  if (body.model === undefined || body.model === null || body.model === '') throw missing('model');
  if (typeof body.model !== 'string') {
    throw new HttpError(400, invalidRequest("Invalid type for 'model': expected a string.", 'model', 'invalid_type'));
  }
  return body.model;
}

/** Failures a test asks for by model name, checked after validation like a real upstream would. */
function modelSwitch(model: string): void {
  if (model === 'mock-error-500') {
    throw new HttpError(
      500,
      openAiError('The server had an error while processing your request. Sorry about that!', 'server_error'),
    );
  }
  if (model === 'mock-error-429') {
    throw new HttpError(
      429,
      openAiError(
        `Rate limit reached for ${model} on requests per min (RPM): Limit 3, Used 3, Requested 1. ` +
          'Please try again in 1s.',
        'rate_limit_error',
        null,
        'rate_limit_exceeded',
      ),
      { 'retry-after': '1' },
    );
  }
}

function optionalPositiveInt(body: Json, param: string): number | undefined {
  const v = body[param];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new HttpError(
      400,
      invalidRequest(`Invalid '${param}': expected an integer of at least 1, got ${JSON.stringify(v)}.`, param, 'invalid_value'),
    );
  }
  return v;
}

function validateMessages(body: Json): Json[] {
  const { messages } = body;
  if (messages === undefined || messages === null) throw missing('messages');
  if (!Array.isArray(messages)) {
    throw new HttpError(
      400,
      invalidRequest("Invalid type for 'messages': expected an array of objects.", 'messages', 'invalid_type'),
    );
  }
  if (messages.length === 0) {
    throw new HttpError(
      400,
      invalidRequest("Invalid 'messages': empty array. Expected an array with minimum length 1.", 'messages', 'empty_array'),
    );
  }
  messages.forEach((m: unknown, i) => {
    if (!isObj(m)) {
      throw new HttpError(
        400,
        invalidRequest(`Invalid type for 'messages[${i}]': expected an object.`, `messages[${i}]`, 'invalid_type'),
      );
    }
    if (typeof m.role !== 'string') throw missing(`messages[${i}].role`);
  });
  return messages as Json[];
}



export async function startMockOpenAi(options: MockOpenAiOptions = {}): Promise<MockOpenAi> {
  const apiKey = options.apiKey === undefined ? 'sk-mock' : options.apiKey;
  const compat = createMockCompat(options);
  const chunkDelayMs = options.chunkDelayMs ?? 0;
  const firstByteDelayMs = options.firstByteDelayMs ?? 0;
  const host = options.host ?? '127.0.0.1';
  const requests: RecordedRequest[] = [];
  const countPrompt = options.realPromptTokens ? realTokenCounter() : countWords;

  async function streamChat(res: ServerResponse, frames: string[], cut: boolean): Promise<void> {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
    });
    for (let i = 0; i < frames.length; i++) {
      if (i > 0 && chunkDelayMs > 0) await sleep(chunkDelayMs);
      // The client may have gone away while the mock "generated" the next chunk.
      if (res.destroyed) return;
      if (cut && i === 1) {
        // Destroy only once the chunk is flushed, so the client really receives a partial stream.
        res.write(frames[i], () => res.destroy());
        return;
      }
      res.write(frames[i]);
    }
    res.end();
  }

  async function chatCompletions(body: Json, res: ServerResponse, deploymentModel?: string): Promise<void> {
    // Azure serves the deployment's model, whatever the body names.
    const model = deploymentModel ?? requireModel(body);
    const rejected = compat.rejected(body);
    if (rejected) throw new HttpError(rejected.status, rejected.body);
    const messages = validateMessages(body);
    const maxTokens = optionalPositiveInt(body, 'max_completion_tokens') ?? optionalPositiveInt(body, 'max_tokens');
    const stream = body.stream === true;
    if (body.stream_options != null && !stream) {
      throw new HttpError(
        400,
        invalidRequest("The 'stream_options' parameter is only allowed when 'stream' is enabled.", 'stream_options'),
      );
    }
    modelSwitch(model);
    const format = isObj(body.response_format) ? body.response_format.type : undefined;
    const plan = compat.plan(planChat(model, messages, maxTokens, format === 'json_schema' || format === 'json_object', countPrompt), messages);
    if (!stream) return sendJson(res, 200, compat.completion(plan));
    const includeUsage = isObj(body.stream_options) && body.stream_options.include_usage === true;
    await streamChat(res, compat.frames(plan, includeUsage), model === 'mock-cut-stream');
  }

  /** `POST /v1/responses`; Azure's deployment is the body's `model`, answering as the model it deploys. */
  async function responses(body: Json, res: ServerResponse, deployments?: Readonly<Record<string, string>>): Promise<void> {
    let model = requireModel(body);
    if (deployments) {
      const deployed = deployments[model];
      if (!deployed) {
        const problem = deploymentNotFound();
        throw new HttpError(problem.status, problem.body);
      }
      model = deployed;
    }
    const plan = planResponse({ ...body, model });
    if ('param' in plan) throw new HttpError(400, invalidRequest(plan.message, plan.param, plan.param === 'input' || plan.param === 'model' ? 'missing_required_parameter' : 'invalid_value'));
    modelSwitch(model);
    if (body.stream !== true) return sendJson(res, 200, responseBody(body, plan));
    await streamChat(res, responseStreamFrames(body, plan), model === 'mock-cut-stream');
  }

  function embeddings(body: Json, res: ServerResponse): void {
    const model = requireModel(body);
    const { input } = body;
    if (input === undefined || input === null) throw missing('input');
    // OpenAI accepts a string, strings, a token array, or token arrays; a token array counts one token per id.
    let items: Array<{ text: string; tokens: number }>;
    const isTokens = (v: unknown): v is number[] => Array.isArray(v) && v.every((t) => typeof t === 'number');
    if (typeof input === 'string') items = [{ text: input, tokens: countWords(input) }];
    else if (isTokens(input) && input.length > 0) items = [{ text: input.join(','), tokens: input.length }];
    else if (Array.isArray(input) && input.length > 0 && input.every((s) => typeof s === 'string')) {
      items = (input as string[]).map((s) => ({ text: s, tokens: countWords(s) }));
    } else if (Array.isArray(input) && input.length > 0 && input.every(isTokens)) {
      items = (input as number[][]).map((t) => ({ text: t.join(','), tokens: t.length }));
    } else {
      throw new HttpError(
        400,
        invalidRequest("Invalid 'input': expected a string, an array of strings, or token arrays.", 'input', 'invalid_value'),
      );
    }
    const format = body.encoding_format ?? 'float';
    if (format !== 'float' && format !== 'base64') {
      throw new HttpError(
        400,
        invalidRequest("Invalid 'encoding_format': expected 'float' or 'base64'.", 'encoding_format', 'invalid_value'),
      );
    }
    modelSwitch(model);
    const promptTokens = items.reduce((n, it) => n + it.tokens, 0);
    sendJson(res, 200, {
      object: 'list',
      data: items.map((it, index) => {
        const vector = embedText(it.text);
        return { object: 'embedding', index, embedding: format === 'base64' ? float32Base64(vector) : vector };
      }),
      model,
      usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
    });
  }

  const modelIds = [...Object.keys(DEFAULT_MODEL_PRICES), 'gpt-4o-mini-cached', ...MOCK_SWITCH_MODELS];

  async function route(req: IncomingMessage, res: ServerResponse, rec: RecordedRequest, parsed: boolean): Promise<void> {
    checkAuth(req.headers, apiKey, compat);
    const { method } = rec;
    const needsBody = (): Json => {
      if (!parsed) throw badJson();
      if (!isObj(rec.body)) {
        throw new HttpError(400, invalidRequest('Invalid body: expected a JSON object.', null, 'invalid_type'));
      }
      return rec.body;
    };
    const endpoint = compat.endpoint(method, rec.path, rec.query);
    if (endpoint && 'status' in endpoint) throw new HttpError(endpoint.status, endpoint.body);
    if (endpoint?.name === 'chat') return chatCompletions(needsBody(), res, endpoint.deploymentModel);
    if (endpoint?.name === 'embeddings') return embeddings(needsBody(), res);
    if (endpoint?.name === 'responses') return responses(needsBody(), res, endpoint.deployments);
    if (endpoint?.name === 'models') return sendJson(res, 200, { object: 'list', data: modelIds.map(modelObject) });
    if (endpoint?.name === 'model') {
      const { id } = endpoint;
      if (modelIds.includes(id)) return sendJson(res, 200, modelObject(id));
      throw new HttpError(
        404,
        invalidRequest(`The model '${id}' does not exist or you do not have access to it.`, 'model', 'model_not_found'),
      );
    }
    throw new HttpError(404, invalidRequest(`Invalid URL (${method} ${rec.path})`));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    res.setHeader('x-request-id', randomId('req_', 24));
    res.setHeader('openai-version', '2020-10-01');
    const { rec, parsed } = await recordRequest(req, res, requests, firstByteDelayMs);
    try {
      res.setHeader('openai-processing-ms', String(Date.now() - started));
      await route(req, res, rec, parsed);
    } catch (err) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (err instanceof HttpError) sendJson(res, err.status, err.body, err.headers);
      else sendJson(res, 500, openAiError('The server had an error while processing your request.', 'server_error'));
    }
  }

  const listener = await listenMock(handle, { port: options.port, host });
  return {
    url: compat.baseUrl(`${listener.origin}`),
    port: listener.port,
    requests,
    close: () => listener.close(),
  };
}
