import { Queue } from 'bullmq'
import type { Redis } from 'ioredis'

import type { Triggers } from '../calls/deps.ts'
import { coerceError } from '../errors.ts'
import type { Logger } from '../logger.ts'
import { timedPart } from '../metrics/webhook-trace.ts'

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

/** The deduplication id every immediate trigger shares (see createTriggers). */
export const DISPATCH_NOW_ID = 'dispatch-now'
/**
 * Delayed triggers falling due in the same slot of this length share one pass. Every answered
 * call asks for two (the whisper's grace, the end of after-call work): at ten calls a second a
 * job each was twenty passes a second asked for, more than the workers run, so the delayed jobs
 * queued up behind each other and kept the workers passing back to back all day.
 */
export const DISPATCH_SLOT_MS = 250

/**
 * Dispatch triggers from webhooks and the API. A pass reads the whole queue, so triggers that
 * arrive together need one pass, not one each: an immediate trigger joins the pass already
 * waiting if there is one, and one arriving during a pass leaves exactly one to follow it
 * (BullMQ's deduplication with keepLastIfActive: at most one active and one waiting). At ten
 * calls a second a job per trigger had the workers repeating passes that found nothing new.
 * A delayed trigger (a wrap-up's end, a redial) is a moment, not a change: it gets the job of the
 * slot it falls due in, rounded up (DISPATCH_SLOT_MS), which every trigger due in that slot
 * shares, a retried webhook's included. If Redis is down the trigger is logged and dropped: the
 * state is in Postgres and the periodic sweep dispatches it.
 */
export function createTriggers(
  queue: AcdQueue,
  logger: Logger,
  now: () => number = Date.now,
): Triggers {
  return {
    async dispatch(key, delayMs) {
      const at = now()
      const slot = delayMs ? Math.ceil((at + delayMs) / DISPATCH_SLOT_MS) * DISPATCH_SLOT_MS : 0
      // No ':' in a job id: BullMQ reserves it.
      const jobId = `dispatch-at-${slot}`
      try {
        await timedPart('redis', () =>
          delayMs
            ? queue.add(JOB_NAMES.dispatch, {}, { jobId, delay: slot - at })
            : queue.add(
                JOB_NAMES.dispatch,
                {},
                { deduplication: { id: DISPATCH_NOW_ID, keepLastIfActive: true } },
              ),
        )
      } catch (e) {
        logger.warn(
          { err: coerceError(e), trigger: key },
          'could not enqueue dispatch; the sweep will catch up',
        )
      }
    },
  }
}
