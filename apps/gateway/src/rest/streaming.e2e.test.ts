import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { createInterface, type Interface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startTestGateway } from '../testing/gateway-harness';
import { restKeys, restSnapshot } from '../testing/rest-snapshot';
import { startRestUpstream, type RestUpstreamServer } from '../testing/rest-upstream';

/**
 * Bodies stream both ways through the gateway, chunk by chunk: memory stays flat for 200 MB each way (measured
 * in a gateway of its own process), server-sent events arrive one by one, and a client that leaves cancels
 * the upstream call.
 */
const MB = 1024 * 1024;
const chunk = Buffer.alloc(64 * 1024, 0x61);

let node: RestUpstreamServer;
const closers: Array<() => Promise<void> | void> = [];
beforeAll(async () => {
  node = await startRestUpstream('stream', async (req, res, seen) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/download') {
      // Generated as the client reads it, with backpressure: nothing is held in memory.
      const size = Number(url.searchParams.get('mb')) * MB;
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(size) });
      let sent = 0;
      const pump = () => {
        while (sent < size) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      return pump();
    }
    if (url.pathname === '/upload') {
      for await (const part of req as AsyncIterable<Buffer>) seen.bodyBytes += part.length;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ bytes: seen.bodyBytes }));
      return;
    }
    if (url.pathname === '/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      for (let i = 1; i <= 5; i++) {
        res.write(`event: tick\ndata: {"n":${i}}\n\n`);
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
      res.end();
      return;
    }
    if (url.pathname === '/forever') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const timer = setInterval(() => res.write('tick\n'), 30);
      res.once('close', () => clearInterval(timer));
      return;
    }
    if (url.pathname === '/hang') {
      res.once('close', () => undefined);
      return;
    }
    res.writeHead(404).end();
  });
  closers.push(node.close);
});
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

const snapshot = () =>
  restSnapshot({
    upstreams: [{ name: 'default', nodes: [{ url: node.url, weight: 1 }] }],
    apis: [{ path: '/', pathType: 'prefix', methods: ['GET', 'POST'] }],
  });
const auth = { authorization: `Bearer ${restKeys.approved}` };

/** The gateway in a child process: its RSS is its own, not the test runner's. */
async function childGateway() {
  const child: ChildProcess = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', new URL('./streaming-gateway.script.ts', import.meta.url).pathname, JSON.stringify(snapshot())], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  closers.push(async () => {
    child.stdin!.end();
    if (child.exitCode === null) await once(child, 'exit');
  });
  const lines: Interface = createInterface({ input: child.stdout! });
  const next = () => new Promise<string>((resolve) => lines.once('line', resolve));
  const ready = await next();
  const say = async (command: string) => {
    const answer = next();
    child.stdin!.write(`${command}\n`);
    return answer;
  };
  return { url: ready.split(' ')[1]!, say };
}

describe('streaming through the gateway', () => {
  it('moves 200 MB down and 200 MB up with the gateway process growing by less than 20 MB', { timeout: 120_000 }, async () => {
    const gateway = await childGateway();
    const download = async (mb: number) => {
      const res = await request(`${gateway.url}/pets/download?mb=${mb}`, { headers: auth });
      let bytes = 0;
      for await (const part of res.body) bytes += (part as Buffer).length;
      return { status: res.statusCode, bytes };
    };
    const upload = async (mb: number) => {
      async function* body() {
        for (let sent = 0; sent < mb * MB; sent += chunk.length) yield chunk;
      }
      const res = await request(`${gateway.url}/pets/upload`, { method: 'POST', headers: { ...auth, 'content-length': String(mb * MB) }, body: Readable.from(body()) });
      return { status: res.statusCode, ...((await res.body.json()) as { bytes: number }) };
    };
    // Warm up (JIT, pools, first buffers) before the baseline.
    await download(8);
    await upload(8);
    expect(await gateway.say('mark')).toBe('MARKED');
    expect(await download(200)).toEqual({ status: 200, bytes: 200 * MB });
    const downPeak = Number((await gateway.say('peak')).split(' ')[1]);
    expect(await gateway.say('mark')).toBe('MARKED');
    expect(await upload(200)).toEqual({ status: 200, bytes: 200 * MB });
    const upPeak = Number((await gateway.say('peak')).split(' ')[1]);
    expect(downPeak).toBeLessThan(20 * MB);
    expect(upPeak).toBeLessThan(20 * MB);
  });

  it('relays server-sent events one by one, as the upstream sends them', async () => {
    const gateway = await startTestGateway(snapshot());
    closers.push(gateway.close);
    const started = performance.now();
    const res = await request(`${gateway.url}/pets/events`, { headers: auth });
    expect(res.headers['content-type']).toBe('text/event-stream');
    const arrivals: Array<{ at: number; text: string }> = [];
    for await (const part of res.body) arrivals.push({ at: performance.now() - started, text: (part as Buffer).toString('utf8') });
    const events = arrivals.flatMap((a) => a.text.split('\n\n').filter(Boolean).map((e) => ({ at: a.at, e })));
    expect(events.map((x) => x.e)).toEqual([1, 2, 3, 4, 5].map((n) => `event: tick\ndata: {"n":${n}}`));
    // The upstream waits 150 ms between events: each one arrives on its own, about that far apart.
    for (let i = 1; i < events.length; i++) expect(events[i]!.at - events[i - 1]!.at).toBeGreaterThan(100);
    const record = (await gateway.flushed()).at(-1)!;
    expect(record).toMatchObject({ status: 200, stream: true, route: '/', bytesOut: arrivals.reduce((n, a) => n + Buffer.byteLength(a.text), 0) });
    expect(record.ttftMs!).toBeLessThan(100);
    expect(record.latencyMs).toBeGreaterThan(600);
  });

  it('cancels the upstream call when the client leaves mid-answer or before it, recording 499', async () => {
    const gateway = await startTestGateway(snapshot());
    closers.push(gateway.close);
    node.requests.length = 0;
    const controller = new AbortController();
    const res = await request(`${gateway.url}/pets/forever`, { headers: auth, signal: controller.signal });
    for await (const _ of res.body) break;
    const waitClosed = async () => {
      const deadline = Date.now() + 3_000;
      while (!node.requests.at(-1)!.closedEarly && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      return node.requests.at(-1)!.closedEarly;
    };
    expect(await waitClosed()).toBe(true);
    const early = new AbortController();
    const pending = request(`${gateway.url}/pets/hang`, { headers: auth, signal: early.signal }).catch((err: Error) => err);
    await new Promise((r) => setTimeout(r, 100));
    early.abort();
    await pending;
    expect(await waitClosed()).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    const records = (await gateway.flushed()).slice(-2);
    expect(records.map((r) => [r.status, r.errorCode])).toEqual([
      [499, 'client_closed'],
      [499, 'client_closed'],
    ]);
  });
});
