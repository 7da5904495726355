import type { Logger } from 'pino';
import { createBullmqQueue, createInProcessQueue, type JobQueue } from '@tollgate/jobs';

/** BullMQ when Redis is configured (jobs survive restarts, portals share them), else the in-process runner. */
export function createNotificationQueue(redisUrl: string | undefined, logger: Logger): JobQueue {
  const log = logger.child({ component: 'jobs' });
  return redisUrl
    ? createBullmqQueue({ url: redisUrl, name: 'tollgate-notifications', logger: log })
    : createInProcessQueue({ logger: log });
}
