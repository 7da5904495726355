import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { CallRecord } from '@tollgate/domain';
import { RejectedBatchError, type CallRecordSink } from '@tollgate/gateway';
import type { FromWriterThread, ToWriterThread, WriterThreadData } from '../../portal/src/call-records/writer-thread';

/**
 * The thread's entry: the production build's `call-record-writer.mjs` beside this module's bundle (dist/ or
 * the bench's build dir: scripts/build.mjs builds it with every entry), else the source beside the writer.
 */
const threadFiles = ['./call-record-writer.mjs', '../../portal/src/call-records/writer-thread.ts'].map((file) => fileURLToPath(new URL(file, import.meta.url)));
export const writerThreadFile = threadFiles.find((file) => existsSync(file));

/**
 * What the Worker runs. The build's .mjs as it is. The TypeScript source goes through tsx's `tsImport`, from
 * a one-line ES module: a worker given `--import tsx` (inherited from `node --import tsx`, or passed in
 * execArgv) still fails on Node 20 with "Unknown file extension .ts", and vitest, which transforms its own
 * modules, gives a worker nothing at all. tsx is found by path (a dev dependency; production runs the .mjs).
 */
function workerEntry(file: string): URL {
  if (!file.endsWith('.ts')) return pathToFileURL(file);
  // Its ES module build: require.resolve would name the CommonJS one, which cannot find its own files here.
  const manifest = createRequire(import.meta.url).resolve('tsx/package.json');
  const { exports } = JSON.parse(readFileSync(manifest, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  const tsx = new URL(exports['./esm/api']!.import.default, pathToFileURL(manifest)).href;
  const entry = pathToFileURL(file).href;
  const code = `import { tsImport } from ${JSON.stringify(tsx)}; await tsImport(${JSON.stringify(entry)}, ${JSON.stringify(entry)});`;
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}

export interface CallRecordWriterThreadOptions {
  /** The database file the portal opened and migrated. */
  dbPath: string;
  logger: Logger;
  /** Sees the thread's SQL statements too (`AllInOneHooks.onStatement`), posted back after they ran. */
  onStatement?: (sql: string) => void;
  /** How long close() waits for the thread to finish its batches and close its connection (default 10 s). */
  closeTimeoutMs?: number;
  /** The thread's heap limits (Node's defaults unless set; a test sets them small to crash it for real). */
  resourceLimits?: ResourceLimits;
}

export interface CallRecordWriterThread extends CallRecordSink {
  /** Resolves when the batch's transaction committed, rejects when it failed (the meter keeps the batch). */
  write(records: CallRecord[]): Promise<void>;
  /** Lets the thread answer every batch posted, close its connection and end. Call before the DB closes. */
  close(): Promise<void>;
  /** The running thread's id; undefined after it died, until the next write starts another. */
  readonly threadId: number | undefined;
}

interface Pending {
  resolve(): void;
  reject(err: Error): void;
}

interface Running {
  worker: Worker;
  pending: Map<number, Pending>;
  exited: Promise<void>;
}

/**
 * The all-in-one's call-record sink (ADR 0029): batches go by postMessage to a worker thread that runs the
 * portal's writer on its own connection, so the gateway's event loop does not run the transactions. The
 * meter's guarantees hold because `write` settles only when the thread answered: committed, or failed with
 * the writer's own error (retried by the meter, as before). If the thread dies, its unanswered batches are
 * rejected (retried; the writer skips ids it already stored, so a batch committed just before a crash is not
 * counted twice) and the next write starts a new thread.
 */
export function startCallRecordWriterThread(options: CallRecordWriterThreadOptions): CallRecordWriterThread {
  const file = writerThreadFile;
  if (!file) throw new Error(`call-record writer thread not found (looked for ${threadFiles.join(', ')}); build with scripts/build.mjs`);
  const logger = options.logger.child({ component: 'call-record-writer-thread' });
  const closeTimeoutMs = options.closeTimeoutMs ?? 10_000;
  let current: Running | undefined;
  let nextId = 1;
  let closing: Promise<void> | undefined;

  function start(): Running {
    const workerData: WriterThreadData = { dbPath: options.dbPath, reportStatements: Boolean(options.onStatement) };
    const worker = new Worker(workerEntry(file!), { workerData, name: 'call-record-writer', resourceLimits: options.resourceLimits });
    const pending = new Map<number, Pending>();
    let failure: Error | undefined;
    const failAll = (err: Error) => {
      for (const p of pending.values()) p.reject(err);
      pending.clear();
    };
    worker.on('message', (message: FromWriterThread) => {
      if (message.type === 'statement') return options.onStatement?.(message.sql);
      const p = pending.get(message.id);
      if (!p) return;
      pending.delete(message.id);
      // Idle, the thread must not keep the process alive; while it holds batches it must (see write()).
      if (pending.size === 0 && !closing) worker.unref();
      if (message.type === 'written') return p.resolve();
      // The writer's error as it was (a SqliteError with its code): the meter treats it as before, retrying.
      p.reject(Object.assign(new Error(message.error.message), message.error));
    });
    worker.on('error', (err) => {
      failure = err;
      logger.error({ err, batches: pending.size }, 'call-record writer thread failed; its batches are retried on a new thread');
      if (current === running) current = undefined;
      failAll(new Error(`call-record writer thread failed: ${err.message}`, { cause: err }));
    });
    const exited = new Promise<void>((resolve) =>
      worker.once('exit', (code) => {
        if (current === running) current = undefined;
        if (!failure && !closing) logger.error({ code, batches: pending.size }, 'call-record writer thread exited unexpectedly; its batches are retried on a new thread');
        failAll(new Error(`call-record writer thread exited (code ${code}) before answering`));
        resolve();
      }),
    );
    worker.once('online', () => logger.debug({ threadId: worker.threadId, file }, 'call-record writer thread started'));
    worker.unref();
    const running: Running = { worker, pending, exited };
    return running;
  }
  // Started now, not at the first batch: a thread that cannot start says so at once, and the first batch
  // does not wait for it to load.
  current = start();

  return {
    get threadId() {
      return current?.worker.threadId;
    },
    write(records) {
      if (records.length === 0) return Promise.resolve();
      if (closing) return Promise.reject(new Error('the call-record writer thread is closed'));
      const running = (current ??= start());
      const id = nextId++;
      return new Promise<void>((resolve, reject) => {
        try {
          running.worker.postMessage({ type: 'write', id, records } satisfies ToWriterThread);
        } catch (err) {
          // A record that cannot be cloned never will be: retrying would block every batch behind it.
          if (err instanceof Error && err.name === 'DataCloneError') return reject(new RejectedBatchError(`call records cannot be sent to the writer thread: ${err.message}`));
          return reject(err as Error);
        }
        running.pending.set(id, { resolve, reject });
        running.worker.ref();
      });
    },
    close() {
      closing ??= (async () => {
        const running = current;
        current = undefined;
        if (!running) return;
        // Kept alive until it ended: after the servers closed, the thread may be all that holds the process.
        running.worker.ref();
        running.worker.postMessage({ type: 'close' } satisfies ToWriterThread);
        const timer = setTimeout(() => {
          logger.error({ batches: running.pending.size, closeTimeoutMs }, 'call-record writer thread did not close in time; terminated');
          void running.worker.terminate();
        }, closeTimeoutMs);
        await running.exited;
        clearTimeout(timer);
      })();
      return closing;
    },
  };
}
