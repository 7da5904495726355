import { createServer } from 'node:http';
import { once } from 'node:events';
import { Agent, request } from 'undici';
import { describe, expect, it } from 'vitest';
import { drainServer } from './drain';

describe('drainServer', () => {
  it('drains a server kept busy on kept-alive connections long before its timeout, cutting no call', async () => {
    let started = 0;
    let answered = 0;
    const server = createServer((_req, res) => {
      started++;
      setTimeout(() => {
        answered++;
        res.end('ok');
      }, 30);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
    const dispatcher = new Agent({ connections: 20 });
    let received = 0;
    let stopped = false;
    // Twenty clients calling back to back until the server refuses them (bounded by a deadline anyway).
    const deadline = Date.now() + 5_000;
    const client = async () => {
      while (!stopped && Date.now() < deadline) {
        try {
          const res = await request(url, { method: 'POST', body: 'x', dispatcher });
          if ((await res.body.text()) === 'ok') received++;
        } catch {
          return;
        }
      }
    };
    const clients = Promise.all(Array.from({ length: 20 }, client));
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    await drainServer(server, 4_000);
    const took = Date.now() - t0;
    stopped = true;
    await clients;
    await dispatcher.close();
    // Plain server.close() waits here until the clients give up or the timeout cuts them.
    expect(took).toBeLessThan(1_000);
    expect(received).toBeGreaterThan(20);
    // Every call the server began was answered, and every answer reached its client.
    expect(answered).toBe(started);
    expect(received).toBe(answered);
  });
});
