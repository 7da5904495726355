import { createServer, type IncomingHttpHeaders } from 'node:http';
import { verifyWebhookSignature } from './signature';

export interface ReceivedCall {
  at: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** What the receiver answered. */
  status: number;
}

/**
 * A real webhook receiver for tests: node:http on 127.0.0.1, a free port, answering the n-th call with
 * `answer(n)` (1-based). Records every call so a test can check headers, body and signature.
 */
export async function startReceiver(answer: (n: number) => number | { status: number; headers?: Record<string, string> }) {
  const calls: ReceivedCall[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const reply = answer(calls.length + 1);
      const { status, headers } = typeof reply === 'number' ? { status: reply, headers: {} } : reply;
      calls.push({ at: Date.now(), headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status });
      res.writeHead(status, { 'content-type': 'text/plain', ...headers }).end(`answer ${status}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/hooks/tollgate`,
    calls,
    verify: (call: ReceivedCall, secret: string) =>
      verifyWebhookSignature(
        secret,
        String(call.headers['x-tollgate-timestamp'] ?? ''),
        call.body,
        String(call.headers['x-tollgate-signature'] ?? ''),
      ),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type TestReceiver = Awaited<ReturnType<typeof startReceiver>>;
