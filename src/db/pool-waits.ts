import { addToTrace } from '../metrics/webhook-trace.ts'

/**
 * The callers waiting for one pool's connections, in arrival order (pg-pool serves its waiters
 * first come, first served). The oldest one's wait is how far behind the process is: it is
 * what a new webhook would wait before its first statement, and what load shedding reads
 * (SHED_NEW_CALLS_AFTER_MS). pg-pool's own `waitingCount` says how many, not for how long, and
 * the same queue length means a few ms on a fast machine and seconds on a slow one.
 */
export function poolWaits() {
  // ticket → when it started waiting (performance.now()); a Map keeps insertion order, so the
  // first entry is the oldest still waiting.
  const waiting = new Map<number, number>()
  let next = 0
  return {
    /** Runs the pool's `connect`, timing the wait into the current webhook's trace. */
    async connect<C>(connect: () => Promise<C>): Promise<C> {
      const ticket = next++
      const start = performance.now()
      waiting.set(ticket, start)
      try {
        return await connect()
      } finally {
        waiting.delete(ticket)
        addToTrace('poolWait', performance.now() - start)
      }
    },
    /** How long the caller waiting longest has waited so far, in ms; 0 when nobody waits. */
    oldestMs(): number {
      const first = waiting.values().next()
      return first.done ? 0 : performance.now() - first.value
    },
  }
}

export type PoolWaits = ReturnType<typeof poolWaits>
