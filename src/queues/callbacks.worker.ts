import { DelayedError, Worker } from 'bullmq'
import type { Redis } from 'ioredis'

import type { CallbackDeps } from '../callbacks/deps.ts'
import { makeDialSlots } from '../callbacks/dial-slots.ts'
import { dialDueCallbacks } from '../callbacks/dialer.ts'
import type { Logger } from '../logger.ts'
import type { DialJob } from './callbacks.queue.ts'
import { CALLBACK_JOBS, CALLBACKS_QUEUE } from './callbacks.queue.ts'

export function createCallbacksWorker(opts: {
  connection: Redis
  prefix: string
  deps: CallbackDeps
  logger: Logger
  concurrency?: number
  /** How long a job's lock lasts; a worker that dies loses its jobs to others after this. */
  lockDurationMs?: number
  /** Most callbacks one dial job claims: its own and others already due (a burst). */
  dialBatch: number
  /** Create-call requests for those others this process keeps open at most (dial-slots.ts). */
  maxDialsInFlight: number
}): Worker {
  const batching = { size: opts.dialBatch, slots: makeDialSlots(opts.maxDialsInFlight) }
  const worker = new Worker(
    CALLBACKS_QUEUE,
    async (job, token) => {
      // A periodic job an earlier version left in Redis: the duties beat from Postgres now.
      if (job.name !== CALLBACK_JOBS.dial) return 'superseded'
      const data = job.data as DialJob
      const { own, others } = await dialDueCallbacks(opts.deps, data, batching)
      opts.logger.info(
        { jobId: job.id, callbackId: data.callbackId, attempt: data.attempt, result: own, others },
        'callback job',
      )
      if (own === 'busy') {
        // Another job's batch is claiming this callback: once it commits (or rolls back), this
        // job finds the callback claimed (or still pending). Not a failure: no attempt is used.
        await job.moveToDelayed(Date.now() + BUSY_RETRY_MS, token)
        throw new DelayedError()
      }
      return own
    },
    // Each job waits on Twilio's API for a moment; a few at once keep a burst on time. A burst
    // is drained by the first jobs' batches, which drop the jobs of the callbacks they claim.
    {
      connection: opts.connection,
      prefix: opts.prefix,
      concurrency: opts.concurrency ?? 10,
      ...(opts.lockDurationMs
        ? { lockDuration: opts.lockDurationMs, stalledInterval: opts.lockDurationMs }
        : {}),
    },
  )
  worker.on('error', (err) => opts.logger.error({ err }, 'callbacks worker error'))
  worker.on('failed', (job, err) =>
    opts.logger.warn({ err, jobId: job?.id }, 'callback job failed'),
  )
  return worker
}

// A claim transaction lasts a few hundred milliseconds even in a burst.
const BUSY_RETRY_MS = 1000
