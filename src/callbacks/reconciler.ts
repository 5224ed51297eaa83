import { listPending, releaseStaleDialing } from './callbacks.repository.ts'
import type { CallbackDeps } from './deps.ts'
import { DIALLED_PURPOSES } from './dialer.ts'

// A claimed attempt with no call after this long means the worker died before dialling.
export const STALE_DIALING_SECONDS = 120

/**
 * Postgres holds every callback; Redis only the schedule. At start and on a beat, every pending
 * callback gets its job again (job ids are deterministic, so existing jobs are left alone) and
 * attempts abandoned by a dead worker are released. A flushed Redis loses no callback.
 */
export async function reconcileCallbacks(
  deps: CallbackDeps,
): Promise<{ scheduled: number; released: number }> {
  const released = await releaseStaleDialing(deps.db, deps.clock.now(), STALE_DIALING_SECONDS)
  const pending = await listPending(deps.db, DIALLED_PURPOSES)
  await deps.scheduler.scheduleMany(
    pending.map((cb) => ({ callbackId: cb.id, attempt: cb.attempt + 1, dueAt: cb.dueAt })),
  )
  if (released.length)
    deps.logger.warn({ released }, 'released callback attempts a worker abandoned')
  return { scheduled: pending.length, released: released.length }
}
