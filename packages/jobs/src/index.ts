export type { JobData, JobHandler, JobInfo, JobLogger, JobOptions, JobQueue } from './job-queue';
export { backoffDelay, silentJobLogger } from './job-queue';
export { createInProcessQueue, type InProcessQueueOptions } from './in-process-queue';
export { createBullmqQueue, type BullmqQueueOptions } from './bullmq-queue';
export {
  createBatchProducer,
  createBatchConsumer,
  InvalidBatchError,
  itemsPerBatchJob,
  charsPerBatchJob,
  batchJobAttempts,
  type BatchProducer,
  type BatchConsumer,
  type BatchConsumerOptions,
  type BatchQueueOptions,
} from './batch-queue';
export { callRecordQueueName } from './call-record-queue';
export { partsBySize } from './batch-parts';
