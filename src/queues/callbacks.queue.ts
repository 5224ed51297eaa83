import { Queue } from 'bullmq'
import type { Redis } from 'ioredis'

import type { CallbackScheduler } from '../callbacks/deps.ts'
import type { Clock } from '../calls/deps.ts'
import { timedPart } from '../metrics/webhook-trace.ts'

export const CALLBACKS_QUEUE = 'callbacks'
export const CALLBACK_JOBS = { dial: 'dial' } as const

export interface DialJob {
  callbackId: string
  attempt: number
}

export type CallbacksQueue = Queue<DialJob | Record<string, never>, unknown, string>

export function createCallbacksQueue(connection: Redis, prefix: string): CallbacksQueue {
  return new Queue(CALLBACKS_QUEUE, {
    connection,
    prefix,
    defaultJobOptions: {
      // The job only asks the database to act; failures retry quickly, the reconciler covers.
      attempts: 5,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: { age: 24 * 3600, count: 10_000 },
      removeOnFail: { age: 7 * 24 * 3600 },
    },
  })
}

/**
 * Job ids come from Postgres state: callback, attempt and due time. The same pending row always
 * maps to the same id, so the reconciler and a retried schedule call never add a second job,
 * and a moved due time (calling hours, retry) gets a job of its own. No ':' in ids (BullMQ).
 */
export function callbackJobId(j: { callbackId: string; attempt: number; dueAt: Date }): string {
  return `cb-${j.callbackId}-${j.attempt}-${j.dueAt.getTime()}`
}

export function createCallbackScheduler(queue: CallbacksQueue, clock: Clock): CallbackScheduler {
  return {
    async schedule(j) {
      const delay = Math.max(0, j.dueAt.getTime() - clock.now().getTime())
      await timedPart('redis', () =>
        queue.add(
          CALLBACK_JOBS.dial,
          { callbackId: j.callbackId, attempt: j.attempt },
          { jobId: callbackJobId(j), delay },
        ),
      )
    },
    async scheduleMany(js) {
      const now = clock.now().getTime()
      for (let i = 0; i < js.length; i += BULK_CHUNK) {
        await queue.addBulk(
          js.slice(i, i + BULK_CHUNK).map((j) => ({
            name: CALLBACK_JOBS.dial,
            data: { callbackId: j.callbackId, attempt: j.attempt },
            opts: { jobId: callbackJobId(j), delay: Math.max(0, j.dueAt.getTime() - now) },
          })),
        )
      }
    },
    async unscheduleMany(js) {
      // An active job is locked and stays; it finds its attempt claimed and skips.
      await Promise.all(js.map((j) => queue.remove(callbackJobId(j), { removeChildren: false })))
    },
  }
}

// Big enough to amortise the round trip, small enough not to block Redis for long.
const BULK_CHUNK = 500

/**
 * Earlier versions kept the periodic duties as BullMQ job schedulers, which a Redis wipe
 * deleted for good. They now beat from Postgres (src/beats); drop any left in Redis.
 */
export async function removeLegacySchedulers(queues: {
  callbacks: CallbacksQueue
  acd: Queue
}): Promise<void> {
  await queues.callbacks.removeJobScheduler('callbacks-reconcile')
  await queues.callbacks.removeJobScheduler('deadlines-sweep')
  await queues.acd.removeJobScheduler('acd-sweep')
}
