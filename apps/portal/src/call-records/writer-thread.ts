import { parentPort, workerData } from 'node:worker_threads';
import { createDb } from '@tollgate/db';
import type { CallRecord } from '@tollgate/domain';
import { createSqliteCallRecordWriter } from './store';

/**
 * A worker thread's entry (ADR 0029): the all-in-one's call-record writer runs here, on a connection of its
 * own to the same database file, so the gateway's event loop never waits on a batch's transaction. The
 * writer is `createSqliteCallRecordWriter`, unchanged; this file only carries batches in and outcomes back.
 * It imports the store alone, not the portal's index: under tsx the whole portal takes about a second to load.
 */

export interface WriterThreadData {
  dbPath: string;
  /** Post every SQL statement back (the all-in-one's `onStatement` hook, used by tests). */
  reportStatements: boolean;
}

/** To the thread: a batch to write, or the order to close the connection and end. */
export type ToWriterThread = { type: 'write'; id: number; records: CallRecord[] } | { type: 'close' };

/** From the thread: a batch committed or failed (the error as plain data: `code` does not survive a clone). */
export type FromWriterThread =
  | { type: 'written'; id: number }
  | { type: 'failed'; id: number; error: { name: string; message: string; code?: string; stack?: string } }
  | { type: 'statement'; sql: string };

const port = parentPort;
if (!port) throw new Error('writer-thread.ts runs as a worker thread (see apps/all-in-one/src/call-record-worker.ts)');
const { dbPath, reportStatements } = workerData as WriterThreadData;
const post = (message: FromWriterThread) => port.postMessage(message);

// The portal's connection migrated the file before this thread started; a second migrator would only race it.
const db = createDb({ path: dbPath, migrate: false, onStatement: reportStatements ? (sql) => post({ type: 'statement', sql }) : undefined });
const write = createSqliteCallRecordWriter(db);

port.on('message', (message: ToWriterThread) => {
  if (message.type === 'close') {
    // Messages are handled in order, so every batch posted before the close has been answered by now.
    db.$client.close();
    port.close();
    return;
  }
  try {
    write(message.records);
    post({ type: 'written', id: message.id });
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    post({ type: 'failed', id: message.id, error: { name: e.name, message: e.message, code: (e as { code?: string }).code, stack: e.stack } });
  }
});
