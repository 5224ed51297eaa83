import { Worker, type WorkerOptions } from 'bullmq'
import type { Redis } from 'ioredis'

import type { DispatchDeps } from '../calls/deps.ts'
import { runDispatch } from '../calls/dispatcher.ts'
import type { Logger } from '../logger.ts'
import type { VoicePaths } from '../voice/paths.ts'
import { QUEUE_NAMES } from './acd.queue.ts'

/**
 * At most one pass starts in this time across all workers (BullMQ's rate limiter is kept in
 * Redis, per queue, so it holds whatever the number of workers). Triggers that land meanwhile wait
 * for one pass together (see createTriggers): at ten calls a second the passes otherwise ran
 * back to back, each reading the whole queue and every agent, and were half of Postgres's work.
 * A pause per worker, as before, let two workers run twice as many passes as one. A caller waits
 * at most this much longer for their first ring.
 */
export const DISPATCH_PASS_GAP_MS = 150

/** Concurrency 1 per process: passes serialize on a Postgres lock anyway; more would only wait. */
export function acdWorkerOptions(connection: Redis, prefix: string): WorkerOptions {
  return { connection, prefix, concurrency: 1, limiter: { max: 1, duration: DISPATCH_PASS_GAP_MS } }
}

export function createAcdWorker(opts: {
  connection: Redis
  prefix: string
  deps: DispatchDeps & { paths: VoicePaths }
  logger: Logger
}): Worker {
  const worker = new Worker(
    QUEUE_NAMES.acd,
    async (job) => {
      const result = await runDispatch(opts.deps)
      if (result.dialled || result.released || result.toVoicemail) {
        opts.logger.info({ jobId: job.id, ...result }, 'dispatch pass')
      }
      return result
    },
    acdWorkerOptions(opts.connection, opts.prefix),
  )
  worker.on('error', (err) => opts.logger.error({ err }, 'acd worker error'))
  worker.on('failed', (job, err) =>
    opts.logger.warn({ err, jobId: job?.id }, 'dispatch pass failed'),
  )
  return worker
}
