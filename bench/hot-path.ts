import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import http from 'node:http';
import { EventEmitter, once } from 'node:events';
import { createInterface } from 'node:readline';
import { pino, type DestinationStream } from 'pino';
import { Agent, request } from 'undici';
import { blankCallRecord } from '@tollgate/domain';
import { costMicroUsd, findModelPrice } from '@tollgate/providers';
import { createTokenizerCounter } from '../apps/gateway/src/limits/input-tokens';

/**
 * `npm run bench:hot-path`: what each piece of the gateway's request path costs on its own, in CPU µs per call
 * (user + system, all threads, the thread pool's writes included), each measured in a loop after a warm-up. The
 * figures behind docs/adr/0030-hot-path-costs.md: the end-to-end bench says how fast the chain is, this says
 * where its time goes and what a change saved. BENCH_HOT_PATH_CALLS (default 20,000) calls per measure.
 */
const calls = Number(process.env.BENCH_HOT_PATH_CALLS ?? 20_000);

async function cpuPerCall(name: string, one: (i: number) => unknown, n = calls): Promise<number> {
  for (let i = 0; i < Math.min(n, 2_000); i++) await one(i);
  const best: number[] = [];
  // The best of three: the machine is shared, and interference only ever adds time.
  for (let round = 0; round < 3; round++) {
    const since = process.cpuUsage();
    for (let i = 0; i < n; i++) {
      const r = one(i);
      if (r instanceof Promise) await r;
    }
    const used = process.cpuUsage(since);
    best.push((used.user + used.system) / n);
  }
  const micros = Math.min(...best);
  console.log(`${name.padEnd(58)} ${micros.toFixed(2).padStart(8)} µs`);
  return micros;
}

// The bench's call: the same record the chain fills in, logged as the wide event (observed-meter.ts's shape).
const record = { ...blankCallRecord('cr_0123456789abcdef', 'req_0123456789abcdef', 'POST', '/v1/chat/completions'), status: 200, latencyMs: 3, teamId: 'team_1', appId: 'app_1', keyPrefix: 'tg_abcd', serviceId: 'svc_1', subscriptionId: 'sub_1', providerId: 'prov_1', model: 'gpt-4o-mini', upstreamModel: 'gpt-4o-mini-2024-07-18', inputTokens: 12, outputTokens: 9, costMicroUsd: 7, bytesIn: 98, bytesOut: 412 };
const wideEvent = () => ({ event: 'call', callId: record.id, requestId: record.requestId, traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), method: record.method, path: record.path, api: 'POST /v1/chat/completions', status: record.status, failed: false, latencyMs: record.latencyMs, stream: false, teamId: record.teamId, appId: record.appId, keyPrefix: record.keyPrefix, serviceId: record.serviceId, subscriptionId: record.subscriptionId, providerId: record.providerId, model: record.model, upstreamModel: record.upstreamModel, tokens: { input: 12, cacheRead: 0, cacheWrite: 0, output: 9, reasoning: 0 }, costMicroUsd: 7, bytesIn: 98, bytesOut: 412, stored: true });

async function logging(): Promise<void> {
  const flushed = (dest: DestinationStream & { flush?: (cb: (err?: Error) => void) => void }) => new Promise<void>((resolve) => (dest.flush ? dest.flush(() => resolve()) : resolve()));
  for (const [name, options] of [
    ['pino, default destination (async, a write per idle moment)', { dest: '/dev/null', sync: false }],
    ['pino, synchronous destination (a write per line)', { dest: '/dev/null', sync: true }],
    ['pino, buffered to 8 KiB, flushed every 100 ms', { dest: '/dev/null', sync: false, minLength: 8_192, periodicFlush: 100 }],
  ] as const) {
    const dest = pino.destination(options);
    if (!options.sync) await once(dest as unknown as EventEmitter, 'ready');
    const logger = pino({ level: 'info' }, dest);
    await cpuPerCall(`wide event: ${name}`, (i) => (logger.info(wideEvent(), 'call'), i % 1_000 === 999 ? flushed(dest) : undefined));
    dest.flushSync();
  }
}

async function steps(): Promise<void> {
  const secret = 'tg_live_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGH';
  await cpuPerCall('key lookup hash: sha256 of the presented key', () => createHash('sha256').update(secret).digest('hex'));
  const usage = { inputTokens: 12, outputTokens: 9, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 };
  await cpuPerCall('price: findModelPrice + costMicroUsd', () => costMicroUsd(usage, findModelPrice('gpt-4o-mini', undefined, 'openai')!));
  const tokens = createTokenizerCounter();
  tokens.preload();
  const text = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say something short about toll gates.' }] });
  await cpuPerCall("input tokens: gpt-tokenizer on the bench's message", () => tokens.count('Say something short about toll gates.', 'gpt-4o-mini'));
  await cpuPerCall('JSON: parse the request, stringify the provider request', () => JSON.stringify({ ...JSON.parse(text), stream: false }));
  const answer = JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'gpt-4o-mini-2024-07-18', choices: [{ index: 0, message: { role: 'assistant', content: 'Toll gates collect fees from passing vehicles on a road.' }, finish_reason: 'stop' }], usage: { prompt_tokens: 12, completion_tokens: 9, total_tokens: 21 } });
  await cpuPerCall('JSON: parse the answer, stringify it back', () => JSON.stringify(JSON.parse(answer)));
  // As a call that completes: the signals are made and listened to, never aborted.
  const finished = { writableFinished: true };
  await cpuPerCall('two AbortControllers + listeners + a total-deadline timer', () => {
    const outgoing = new EventEmitter();
    const client = new AbortController();
    outgoing.once('close', () => finished.writableFinished || client.abort());
    const call = new AbortController();
    const timer = setTimeout(() => call.abort(), 120_000);
    const onGone = () => call.abort();
    client.signal.addEventListener('abort', onGone, { once: true });
    clearTimeout(timer);
    outgoing.emit('close');
  });
  await cpuPerCall('one AbortController + listener + a total-deadline timer', () => {
    const outgoing = new EventEmitter();
    const call = new AbortController();
    outgoing.once('close', () => finished.writableFinished || call.abort());
    const timer = setTimeout(() => call.abort(), 120_000);
    clearTimeout(timer);
    outgoing.emit('close');
  });
}

/** undici against a node:http server in its own process: the client side's CPU per request. */
async function upstreamCalls(): Promise<void> {
  const server = spawn(process.execPath, ['-e', `require('node:http').createServer((q, s) => { q.resume(); q.on('end', () => s.end('{"ok":true}')); }).listen(0, '127.0.0.1', function () { console.log('READY ' + this.address().port); })`], { stdio: ['ignore', 'pipe', 'inherit'] });
  let port = '';
  for await (const line of createInterface({ input: server.stdout! })) if (line.startsWith('READY ')) { port = line.slice(6); break; }
  const url = `http://127.0.0.1:${port}/v1/chat/completions`;
  const dispatcher = new Agent({ keepAliveTimeout: 30_000 });
  const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say something short about toll gates.' }] });
  const headers = { 'x-request-id': 'req_0123456789abcdef', traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`, authorization: 'Bearer sk-bench', 'content-type': 'application/json' };
  const flat = Object.entries(headers).flat();
  const n = Math.min(calls, 10_000);
  // 50 at a time, like the bench's connections.
  const concurrently = async (one: () => Promise<unknown>) => { await Promise.all(Array.from({ length: 50 }, one)); };
  const batch = (send: () => Promise<unknown>) => () => concurrently(send);
  const read = async (p: Promise<Awaited<ReturnType<typeof request>>>) => Buffer.from(await (await p).body.arrayBuffer());
  const options = { method: 'POST' as const, body, dispatcher, headersTimeout: 120_000, bodyTimeout: 120_000 };
  await cpuPerCall('undici: 50 requests, headers as an object, a signal each', batch(() => read(request(url, { ...options, headers, signal: new AbortController().signal }))), n / 50);
  await cpuPerCall('undici: 50 requests, headers as an object, an EventEmitter signal', batch(() => read(request(url, { ...options, headers, signal: new EventEmitter() }))), n / 50);
  await cpuPerCall('undici: 50 requests, headers as an object, no signal', batch(() => read(request(url, { ...options, headers }))), n / 50);
  await cpuPerCall('undici: 50 requests, headers as a flat array, no signal', batch(() => read(request(url, { ...options, headers: flat }))), n / 50);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
  const viaNodeHttp = () =>
    new Promise<Buffer>((resolve, reject) => {
      const out = http.request(url, { method: 'POST', headers: { ...headers, 'content-length': Buffer.byteLength(body) }, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve(Buffer.concat(chunks)));
        res.on('error', reject);
      });
      out.on('error', reject);
      out.end(body);
    });
  await cpuPerCall('node:http client: 50 requests (the bare proxy\'s client)', batch(viaNodeHttp), n / 50);
  agent.destroy();
  await dispatcher.close();
  server.kill();
}

console.log(`CPU per call (best of 3 runs of ${calls}), one process on ${(await import('node:os')).cpus().length} cores\n`);
await steps();
await logging();
await upstreamCalls();
