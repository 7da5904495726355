import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpPromptRunner, type PromptRunRequest } from './test-run';

/** A stand-in gateway: checks the internal token, answers JSON, or server-sent events when asked to stream. */
let server: Server;
let url = '';
beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      if (req.headers.authorization !== 'Bearer tok') return res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"code":"unknown_url","message":"no"}}');
      const run = JSON.parse(body) as PromptRunRequest;
      if (!run.stream) return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ output: 'whole' }));
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
      res.write('event: delta\ndata: {"text":"Ec"}\n\n');
      res.end('event: done\ndata: {"output":"Echo"}\n\n');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

const run = (stream: boolean): PromptRunRequest => ({
  serviceId: 'svc_test0000000' as PromptRunRequest['serviceId'],
  promptId: 'prm_test0000000' as PromptRunRequest['promptId'],
  version: null,
  name: 'Test',
  path: '/test',
  spec: {},
  targets: [],
  variables: {},
  stream,
});

describe('the HTTP prompt runner (split shape)', () => {
  it('returns the JSON answer, or the event stream unread when the run streams', async () => {
    const runner = createHttpPromptRunner(url, 'tok');
    expect(await runner(run(false))).toEqual({ status: 200, body: { output: 'whole' } });
    const streamed = await runner(run(true));
    expect('stream' in streamed).toBe(true);
    if (!('stream' in streamed)) return;
    expect(await new Response(streamed.stream).text()).toBe('event: delta\ndata: {"text":"Ec"}\n\nevent: done\ndata: {"output":"Echo"}\n\n');
  });

  it('passes a refusal through as JSON and names an unreachable gateway in a 502', async () => {
    expect(await createHttpPromptRunner(url, 'wrong')(run(true))).toMatchObject({ status: 404, body: { error: { code: 'unknown_url' } } });
    const down = await createHttpPromptRunner('http://127.0.0.1:1', 'tok')(run(false));
    expect(down).toMatchObject({ status: 502, body: { error: { code: 'gateway_unreachable' } } });
  });
});
