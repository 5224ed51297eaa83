import { Worker } from 'bullmq'
import type { Redis } from 'ioredis'

import type { DispatchDeps } from '../calls/deps.ts'
import { runDispatch } from '../calls/dispatcher.ts'
import type { Logger } from '../logger.ts'
import type { VoicePaths } from '../voice/paths.ts'
import { QUEUE_NAMES } from './acd.queue.ts'

/**
 * A pass is followed by this pause before the next may start. Triggers that land meanwhile wait
 * for one pass together (see createTriggers): at ten calls a second the passes otherwise ran
 * back to back, ~30 a second, each reading the whole queue and every agent, and were half of
 * Postgres's work. A caller waits at most this much longer for their first ring.
 */
export const DISPATCH_PASS_GAP_MS = 150

export function createAcdWorker(opts: {
  connection: Redis
  prefix: string
  deps: DispatchDeps & { paths: VoicePaths }
  logger: Logger
}): Worker {
  // Concurrency 1 per process: passes serialize on a Postgres lock anyway; more would only wait.
  const worker = new Worker(
    QUEUE_NAMES.acd,
    async (job) => {
      const result = await runDispatch(opts.deps)
      if (result.dialled || result.released || result.toVoicemail) {
        opts.logger.info({ jobId: job.id, ...result }, 'dispatch pass')
      }
      // Still active while it waits: the next trigger's pass is created when this one ends.
      await new Promise((r) => setTimeout(r, DISPATCH_PASS_GAP_MS))
      return result
    },
    { connection: opts.connection, prefix: opts.prefix, concurrency: 1 },
  )
  worker.on('error', (err) => opts.logger.error({ err }, 'acd worker error'))
  worker.on('failed', (job, err) =>
    opts.logger.warn({ err, jobId: job?.id }, 'dispatch pass failed'),
  )
  return worker
}
