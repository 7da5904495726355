/**
 * A stand-in for bedrock-runtime.{region}.amazonaws.com speaking the real Converse / ConverseStream wire
 * formats over a real socket, and verifying every request's SigV4 signature with `SignatureV4` from
 * @smithy/signature-v4 (the AWS SDK's own signer). Answers are deterministic: "Echo: " + the last user text,
 * or a call of the first tool when tools are given and the last turn is not a tool result. Token counts: one
 * per word of system and message text plus 3 per message in, one per answer word out. Model-id switches:
 * - `mock-cut-stream`: the stream's socket is destroyed after the first text delta;
 * - `mock-stream-error`: the stream ends with a `throttlingException` exception event;
 * - `mock-error-429`: 429 ThrottlingException; any id containing `mock-cache`: reports 1000 cache-read and
 *   200 cache-write tokens beside the uncached input.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Sha256 } from '@aws-crypto/sha256-js';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { SignatureV4 } from '@smithy/signature-v4';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import type { RecordedRequest } from '../openai/mock-server';
import { listenMock, recordRequest, sendJson } from '../mock-http';

export interface MockBedrockOptions {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  port?: number;
  chunkDelayMs?: number;
  firstByteDelayMs?: number;
  host?: string;
}

export interface MockBedrock {
  /** The base URL, e.g. `http://127.0.0.1:PORT` (what `https://bedrock-runtime.{region}.amazonaws.com` stands for). */
  url: string;
  port: number;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

class BedrockError extends Error {
  constructor(readonly status: number, readonly errorType: string, message: string) {
    super(message);
  }
}
const validation = (message: string) => new BedrockError(400, 'ValidationException', message);

const codec = new EventStreamCodec(toUtf8, fromUtf8);

/** One ConverseStream event frame; `p` is the padding Bedrock adds to every event to hide payload sizes. */
export function eventFrame(eventType: string, payload: Obj): Uint8Array {
  return codec.encode({
    headers: {
      ':event-type': { type: 'string', value: eventType },
      ':content-type': { type: 'string', value: 'application/json' },
      ':message-type': { type: 'string', value: 'event' },
    },
    body: fromUtf8(JSON.stringify({ ...payload, p: 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJ'.slice(0, 4 + (eventType.length % 7)) })),
  });
}

export function exceptionFrame(exceptionType: string, message: string): Uint8Array {
  return codec.encode({
    headers: {
      ':exception-type': { type: 'string', value: exceptionType },
      ':content-type': { type: 'string', value: 'application/json' },
      ':message-type': { type: 'string', value: 'exception' },
    },
    body: fromUtf8(JSON.stringify({ message })),
  });
}

const words = (s: string): number => s.split(/\s+/).filter(Boolean).length;
const blockText = (blocks: unknown): string =>
  Array.isArray(blocks) ? blocks.map((b) => (isObj(b) && typeof b.text === 'string' ? b.text : '')).filter(Boolean).join(' ') : '';

interface Plan {
  text: string;
  tool?: { toolUseId: string; name: string; input: Obj };
  stopReason: string;
  usage: Obj;
}

function validate(body: unknown): { messages: Obj[]; body: Obj } {
  if (!isObj(body)) throw validation('Malformed input request, please reformat your input and try again.');
  const allowed = new Set(['messages', 'system', 'inferenceConfig', 'toolConfig', 'additionalModelRequestFields', 'guardrailConfig', 'performanceConfig', 'promptVariables', 'requestMetadata', 'additionalModelResponseFieldPaths']);
  for (const key of Object.keys(body)) if (!allowed.has(key)) throw validation(`1 validation error detected: extraneous key [${key}] is not permitted`);
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) throw validation('A conversation must start with a user message. Try again with a conversation that starts with a user message.');
  messages.forEach((m, i) => {
    if (!isObj(m) || (m.role !== 'user' && m.role !== 'assistant') || !Array.isArray(m.content) || m.content.length === 0) {
      throw validation(`The content field in the Message object at messages.${i} is empty or malformed.`);
    }
    if ((i === 0 && m.role !== 'user') || (i > 0 && isObj(messages[i - 1]) && (messages[i - 1] as Obj).role === m.role)) {
      throw validation('A conversation must alternate between user and assistant roles.');
    }
  });
  return { messages: messages as Obj[], body };
}

function plan(body: Obj, messages: Obj[], model: string): Plan {
  const last = messages[messages.length - 1]!;
  const content = last.content as unknown[];
  const lastIsToolResult = content.some((b) => isObj(b) && isObj(b.toolResult));
  const systemWords = words(blockText(body.system));
  const input = systemWords + messages.reduce((n, m) => n + 3 + words(blockText(m.content)), 0);
  const cached = model.includes('mock-cache') ? { cacheReadInputTokens: 1000, cacheWriteInputTokens: 200 } : {};
  const tools = isObj(body.toolConfig) && Array.isArray(body.toolConfig.tools) ? body.toolConfig.tools : [];
  const first = tools[0];
  if (!lastIsToolResult && isObj(first) && isObj(first.toolSpec) && typeof first.toolSpec.name === 'string') {
    const schema = isObj(first.toolSpec.inputSchema) && isObj(first.toolSpec.inputSchema.json) ? first.toolSpec.inputSchema.json : {};
    const required = Array.isArray(schema.required) ? schema.required.filter((r): r is string => typeof r === 'string') : [];
    const toolInput = Object.fromEntries(required.map((r) => [r, 'mock']));
    const output = 5;
    return { text: '', tool: { toolUseId: `tooluse_${randomUUID().slice(0, 8)}`, name: first.toolSpec.name, input: toolInput }, stopReason: 'tool_use', usage: { inputTokens: input, outputTokens: output, totalTokens: input + output + (cached.cacheReadInputTokens ?? 0) + (cached.cacheWriteInputTokens ?? 0), ...cached } };
  }
  const text = `Echo: ${lastIsToolResult ? 'tool result received' : blockText(content) || 'nothing'}`;
  const output = words(text);
  return { text, stopReason: 'end_turn', usage: { inputTokens: input, outputTokens: output, totalTokens: input + output + (cached.cacheReadInputTokens ?? 0) + (cached.cacheWriteInputTokens ?? 0), ...cached } };
}

function converseBody(p: Plan): Obj {
  const content: Obj[] = [];
  if (p.text !== '') content.push({ text: p.text });
  if (p.tool) content.push({ toolUse: p.tool });
  return { output: { message: { role: 'assistant', content } }, stopReason: p.stopReason, usage: p.usage, metrics: { latencyMs: 42 } };
}

/** The events of a streamed answer, in Bedrock's order; text arrives word by word. */
export function streamFrames(p: Plan): Uint8Array[] {
  const frames = [eventFrame('messageStart', { role: 'assistant' })];
  let index = 0;
  if (p.text !== '') {
    for (const piece of p.text.split(/(?<= )/)) frames.push(eventFrame('contentBlockDelta', { contentBlockIndex: index, delta: { text: piece } }));
    frames.push(eventFrame('contentBlockStop', { contentBlockIndex: index }));
    index++;
  }
  if (p.tool) {
    frames.push(eventFrame('contentBlockStart', { contentBlockIndex: index, start: { toolUse: { toolUseId: p.tool.toolUseId, name: p.tool.name } } }));
    const json = JSON.stringify(p.tool.input);
    const half = Math.floor(json.length / 2);
    for (const part of [json.slice(0, half), json.slice(half)]) frames.push(eventFrame('contentBlockDelta', { contentBlockIndex: index, delta: { toolUse: { input: part } } }));
    frames.push(eventFrame('contentBlockStop', { contentBlockIndex: index }));
  }
  frames.push(eventFrame('messageStop', { stopReason: p.stopReason }));
  frames.push(eventFrame('metadata', { usage: p.usage, metrics: { latencyMs: 42 } }));
  return frames;
}

const AUTH = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

/** Recomputes the signature over what arrived, with the AWS SDK's signer, the way AWS checks it. */
async function verifySignature(req: IncomingMessage, rawBody: string, o: MockBedrockOptions): Promise<void> {
  const auth = AUTH.exec(String(req.headers.authorization ?? ''));
  if (!auth) throw new BedrockError(403, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
  const [, accessKeyId, , region, service, signedList, signature] = auth;
  if (accessKeyId !== o.accessKeyId) throw new BedrockError(403, 'UnrecognizedClientException', 'The security token included in the request is invalid.');
  if (region !== o.region || service !== 'bedrock') throw new BedrockError(403, 'InvalidSignatureException', `Credential should be scoped to a valid region and service 'bedrock'.`);
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!m) throw new BedrockError(403, 'IncompleteSignatureException', "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  const signingDate = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
  const signed = signedList!.split(';');
  const headers: Record<string, string> = {};
  for (const name of signed) headers[name] = String(req.headers[name] ?? '');
  const claimed = req.headers['x-amz-content-sha256'];
  if (typeof claimed === 'string' && claimed !== createHash('sha256').update(rawBody).digest('hex')) {
    throw validation("The provided 'x-amz-content-sha256' header does not match what was computed.");
  }
  const url = new URL(req.url ?? '/', 'http://mock.invalid');
  const signer = new SignatureV4({
    service: 'bedrock',
    region: o.region,
    sha256: Sha256,
    applyChecksum: signed.includes('x-amz-content-sha256'),
    credentials: { accessKeyId: o.accessKeyId, secretAccessKey: o.secretAccessKey, sessionToken: headers['x-amz-security-token'] || undefined },
  });
  const query: Record<string, string> = Object.fromEntries(url.searchParams.entries());
  const expected = await signer.sign(
    { method: req.method ?? 'POST', protocol: 'http:', hostname: url.hostname, path: url.pathname, query, headers, body: rawBody },
    { signingDate },
  );
  if (!String(expected.headers.authorization ?? '').endsWith(`Signature=${signature}`)) {
    throw new BedrockError(403, 'InvalidSignatureException', 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.');
  }
}

export async function startMockBedrock(options: MockBedrockOptions): Promise<MockBedrock> {
  const chunkDelayMs = options.chunkDelayMs ?? 0;
  const firstByteDelayMs = options.firstByteDelayMs ?? 0;
  const requests: RecordedRequest[] = [];

  async function stream(res: ServerResponse, frames: Uint8Array[], model: string): Promise<void> {
    res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': randomUUID() });
    // messageStart, then the first text delta: then the switch strikes.
    const cutAt = model === 'mock-cut-stream' || model === 'mock-stream-error' ? 1 : -1;
    for (let i = 0; i < frames.length; i++) {
      if (i > 0 && chunkDelayMs > 0) await sleep(chunkDelayMs);
      if (res.destroyed) return;
      if (i === cutAt && model === 'mock-cut-stream') {
        res.write(frames[i], () => res.destroy());
        return;
      }
      if (i === cutAt) {
        res.end(Buffer.concat([frames[i]!, exceptionFrame('throttlingException', 'Too many requests, please wait before trying again.')]));
        return;
      }
      res.write(frames[i]);
    }
    res.end();
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { rec, url } = await recordRequest(req, res, requests, firstByteDelayMs);
    const rawBody = rec.rawBody;
    try {
      await verifySignature(req, rawBody, options);
      const route = /^\/model\/([^/]+)\/(converse|converse-stream)$/.exec(url.pathname);
      if (rec.method !== 'POST' || !route) throw new BedrockError(404, 'UnknownOperationException', 'Unknown operation');
      const model = decodeURIComponent(route[1]!);
      if (model === 'mock-error-429') throw new BedrockError(429, 'ThrottlingException', 'Too many requests, please wait before trying again.');
      const { messages, body: valid } = validate(rec.body);
      const p = plan(valid, messages, model);
      if (route[2] === 'converse-stream') return await stream(res, streamFrames(p), model);
      sendJson(res, 200, converseBody(p), { 'x-amzn-requestid': randomUUID() });
    } catch (err) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const e = err instanceof BedrockError ? err : new BedrockError(500, 'InternalServerException', 'The server encountered an internal error.');
      sendJson(res, e.status, { message: e.message }, { 'x-amzn-errortype': `${e.errorType}:http://internal.amazon.com/coral/com.amazon.bedrock/`, 'x-amzn-requestid': randomUUID() });
    }
  }

  const listener = await listenMock(handle, { port: options.port, host: options.host ?? '127.0.0.1' });
  return { url: listener.origin, port: listener.port, requests, close: () => listener.close() };
}
