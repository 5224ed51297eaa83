import type { Db } from '../db/database.ts'
import { coerceError } from '../errors.ts'
import type { Logger } from '../logger.ts'
import { claimBeat, finishBeat } from './beats.repository.ts'

export interface Duty {
  /** Lower-case words joined by '-': the row in `periodic_duties`. */
  name: string
  everyMs: number
  run: () => Promise<unknown>
}

export interface BeatRunner {
  /** Stops claiming and waits for the runs in hand. */
  stop(): Promise<void>
}

/**
 * Keeps every periodic duty beating from this process. The beat lives in Postgres, not in
 * Redis: each process polls a few times per period and the one whose claim succeeds runs the
 * duty, so a duty runs once per beat however many processes there are, and a wiped, restarted
 * or failed-over Redis stops nothing. A duty never overlaps itself within a process; a failed
 * run is retried on the next beat.
 */
export function startBeats(o: {
  db: Db
  logger: Logger
  runner: string
  duties: Duty[]
}): BeatRunner {
  let stopped = false
  const timers = new Set<NodeJS.Timeout>()
  const inHand = new Set<Promise<void>>()

  const beat = async (d: Duty) => {
    let claimed: boolean
    try {
      claimed = await claimBeat(o.db, { name: d.name, everyMs: d.everyMs, runner: o.runner })
    } catch (e) {
      // Postgres unreachable: nothing can be done now; the next poll tries again.
      o.logger.warn({ err: coerceError(e), duty: d.name }, 'could not claim a beat')
      return
    }
    if (!claimed) return
    const started = Date.now()
    let error: string | null = null
    try {
      const result = await d.run()
      o.logger.debug({ duty: d.name, result, ms: Date.now() - started }, 'periodic duty ran')
    } catch (e) {
      const err = coerceError(e)
      error = err.message.slice(0, 500)
      o.logger.warn({ err, duty: d.name }, 'periodic duty failed; it runs again next beat')
    }
    await finishBeat(o.db, { name: d.name, runner: o.runner, error }).catch((e: unknown) =>
      o.logger.warn({ err: coerceError(e), duty: d.name }, 'could not record a beat'),
    )
  }

  const loop = (d: Duty) => {
    if (stopped) return
    const run = beat(d).finally(() => inHand.delete(run))
    inHand.add(run)
    void run.then(() => {
      if (stopped) return
      const t = setTimeout(() => {
        timers.delete(t)
        loop(d)
      }, pollMs(d.everyMs))
      timers.add(t)
    })
  }
  for (const d of o.duties) loop(d)

  return {
    async stop() {
      stopped = true
      for (const t of timers) clearTimeout(t)
      timers.clear()
      await Promise.allSettled([...inHand])
    },
  }
}

/** A duty starts at most a fifth of its period late, polled no more than 20 times a second. */
export function pollMs(everyMs: number): number {
  return Math.min(1000, Math.max(50, Math.floor(everyMs / 5)))
}
