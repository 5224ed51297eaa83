import { Queue } from 'bullmq'
import type { Redis } from 'ioredis'

import type { Triggers } from '../calls/deps.ts'
import { coerceError } from '../errors.ts'
import type { Logger } from '../logger.ts'

export const QUEUE_NAMES = { acd: 'acd' } as const
export const JOB_NAMES = { dispatch: 'dispatch' } as const

export type AcdQueue = Queue<Record<string, never>, unknown, string>

export function createAcdQueue(connection: Redis, prefix: string): AcdQueue {
  return new Queue(QUEUE_NAMES.acd, {
    connection,
    prefix,
    defaultJobOptions: {
      // Dispatch is cheap and idempotent; a failed pass is retried soon, then the sweep covers.
      attempts: 3,
      backoff: { type: 'exponential', delay: 500 },
      removeOnComplete: { age: 3600, count: 1000 },
      removeOnFail: { age: 24 * 3600 },
    },
  })
}

/**
 * Dispatch triggers from webhooks and the API. The job id comes from the event (a retried webhook
 * adds nothing) and has no ':' (BullMQ reserves it). If Redis is down the trigger is logged and
 * dropped: the state is in Postgres and the periodic sweep dispatches it.
 */
export function createTriggers(queue: AcdQueue, logger: Logger): Triggers {
  return {
    async dispatch(key, delayMs) {
      const jobId = `dispatch-${key}`.replaceAll(':', '-').slice(0, 200)
      try {
        await queue.add(JOB_NAMES.dispatch, {}, { jobId, delay: delayMs })
      } catch (e) {
        logger.warn(
          { err: coerceError(e), jobId },
          'could not enqueue dispatch; the sweep will catch up',
        )
      }
    },
  }
}
