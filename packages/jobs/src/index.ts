export type { JobData, JobHandler, JobInfo, JobLogger, JobOptions, JobQueue } from './job-queue';
export { backoffDelay, silentJobLogger } from './job-queue';
export { createInProcessQueue, type InProcessQueueOptions } from './in-process-queue';
export { createBullmqQueue, type BullmqQueueOptions } from './bullmq-queue';
