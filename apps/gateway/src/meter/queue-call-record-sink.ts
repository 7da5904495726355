import { callRecordQueueName, createBatchProducer, type JobLogger } from '@tollgate/jobs';
import type { CallRecord } from '@tollgate/domain';
import type { CallRecordSink } from './call-meter';

export interface QueueCallRecordSinkOptions {
  redisUrl: string;
  /** BullMQ key prefix; the portal must use the same one. */
  prefix?: string;
  logger?: JobLogger;
}

/**
 * The split shape's sink when Redis is configured: each batch becomes BullMQ jobs, which survive a portal
 * restart. While Redis is unreachable `write` throws, so the meter keeps the batch (within its bound) and
 * sends it again; a batch sent twice is stored once, as the store ignores record ids it already has.
 */
export function createQueueCallRecordSink(options: QueueCallRecordSinkOptions): CallRecordSink & { close(): Promise<void> } {
  const producer = createBatchProducer<CallRecord>({ url: options.redisUrl, name: callRecordQueueName, prefix: options.prefix, logger: options.logger });
  return {
    write: (records) => producer.send(records),
    close: () => producer.close(),
  };
}
