import type { Logger } from 'pino';
import { z } from 'zod';
import type { Db } from '@tollgate/db';
import type { CallRecord } from '@tollgate/domain';
import { callRecordQueueName, createBatchConsumer, InvalidBatchError, type BatchConsumer } from '@tollgate/jobs';
import { checkCallRecords } from './record-schema';
import { createCallRecordWriter } from './store';

export interface CallRecordWorkerOptions {
  redisUrl: string;
  /** BullMQ key prefix; the gateways must use the same one. */
  prefix?: string;
  db: Db;
  logger: Logger;
  /** Wait before the first retry of a job the store could not take; it doubles up to `retryMaxMs`. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** The store; default `createCallRecordWriter(db)`. */
  write?: (records: readonly CallRecord[]) => Promise<void> | void;
}

/**
 * The portal's end of the call-record queue: each job is one gateway batch, checked with the schema the
 * internal HTTP route uses, then written by the same idempotent writer. A job that fails the schema can never
 * be stored, so it fails at once and stays in BullMQ's failed set (a dead letter, logged and counted); a
 * database error is retried with backoff. Redelivery (a retried job, a stalled job taken again after a crash)
 * is safe because the writer ignores record ids it already stored.
 */
export function startCallRecordWorker(options: CallRecordWorkerOptions): BatchConsumer {
  const write = options.write ?? createCallRecordWriter(options.db);
  const logger = options.logger.child({ component: 'call-record-worker' });
  const consumer = createBatchConsumer({
    url: options.redisUrl,
    name: callRecordQueueName,
    prefix: options.prefix,
    logger,
    retryBaseMs: options.retryBaseMs,
    retryMaxMs: options.retryMaxMs,
    async handle(items) {
      if (!Array.isArray(items)) throw new InvalidBatchError('records: expected an array');
      const { valid, invalid } = checkCallRecords(items);
      // The valid records are stored first; the job then fails as a dead letter for the invalid ones (storing
      // it again later is harmless: the writer skips ids it has).
      await write(valid);
      if (invalid.length) throw new InvalidBatchError(`${invalid.length} of ${items.length} records invalid; first: ${invalid[0]!.problem}`);
    },
  });
  // Dead letters from earlier runs are not retried by themselves: say they are there at every start.
  void consumer.failedJobs().then((failed) => {
    if (failed) logger.warn({ failed, queue: callRecordQueueName }, 'call-record jobs kept in the failed set (dead letters)');
  });
  return consumer;
}
