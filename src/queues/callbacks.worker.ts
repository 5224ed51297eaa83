import { Worker } from 'bullmq'
import type { Redis } from 'ioredis'

import type { CallbackDeps } from '../callbacks/deps.ts'
import { dialCallback } from '../callbacks/dialer.ts'
import { sendNotificationSms } from '../callbacks/notification-sms.ts'
import { reconcileCallbacks } from '../callbacks/reconciler.ts'
import { runDeadlineSweep } from '../deadlines/escalation.ts'
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
}): Worker {
  const worker = new Worker(
    CALLBACKS_QUEUE,
    async (job) => {
      if (job.name === CALLBACK_JOBS.reconcile) return reconcileCallbacks(opts.deps)
      if (job.name === CALLBACK_JOBS.deadlines) {
        const swept = await runDeadlineSweep(opts.deps)
        return { ...swept, sms: await sendNotificationSms(opts.deps) }
      }
      const data = job.data as DialJob
      const result = await dialCallback(opts.deps, data)
      opts.logger.info(
        { jobId: job.id, callbackId: data.callbackId, attempt: data.attempt, result },
        'callback job',
      )
      return result
    },
    // Each job waits on Twilio's API for a moment; a few at once keep a burst on time.
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
