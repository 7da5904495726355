import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import path from 'node:path';

/**
 * A real Redis for tests: a private `redis-server` on a free loopback port (no persistence), else the one
 * named by REDIS_URL, else an error that says what to install. Tests sharing a REDIS_URL must keep their keys
 * apart (a per-test key prefix), since `close()` then leaves the server running.
 *
 *   const redis = await startRedisServer();
 *   afterAll(() => redis.close());
 *   new Redis(redis.url)
 */
export interface TestRedis {
  url: string;
  /** True when this helper started the server (and `close()` stops it). */
  private: boolean;
  close(): Promise<void>;
}

function onPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, command);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** One PING over a raw socket: resolves true on `+PONG`, false on anything else (refused, loading, timeout). */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (chunk) => done(chunk.toString().startsWith('+PONG')));
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 3_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** `port` restarts a server where a stopped one was (clients reconnecting to the same address); default a free one. */
export async function startRedisServer(options: { timeoutMs?: number; port?: number } = {}): Promise<TestRedis> {
  const binary = onPath('redis-server');
  if (!binary) {
    const url = process.env.REDIS_URL;
    if (url) return { url, private: false, close: async () => {} };
    throw new Error('This test needs Redis: install it (`apt-get install redis-server`) or set REDIS_URL.');
  }
  const port = options.port ?? (await freePort());
  const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  while (!(await ping(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop(child);
      throw new Error(`redis-server did not answer PING on port ${port}: ${stderr.trim() || 'no output'}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { url: `redis://127.0.0.1:${port}`, private: true, close: () => stop(child) };
}
