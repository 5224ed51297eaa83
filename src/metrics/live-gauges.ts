import { Gauge } from 'prom-client'

import type { Logger } from '../logger.ts'
import type { Metrics } from './metrics.ts'

/**
 * Gauges read when Prometheus scrapes, not kept up to date call by call: the truth is in
 * Postgres and Redis, shared by every process. Postgres answers are cached briefly, so several
 * scrapers (or a dashboard refreshing) cost one query per `cacheMs`.
 */

export interface LiveSources {
  /** Caller calls not ended, by where they are (menu, waiting, talking), and other live legs. */
  liveCalls(): Promise<{ callers: Record<string, number>; legs: Record<string, number> }>
  /** Active agents by presence. */
  agentsByPresence(): Promise<Record<string, number>>
  /** BullMQ job counts per queue and state. */
  queueJobs(): Promise<Record<string, Record<string, number>>>
  /** This process's Postgres pool; `oldestWaitMs`: how long its longest waiter has waited. */
  pool(): { total: number; idle: number; waiting: number; oldestWaitMs: number } | undefined
}

export const CALLER_STATES = ['ivr', 'waiting', 'connected'] as const
export const LEG_KINDS = ['agent_offer', 'department', 'callback', 'softphone'] as const
export const PRESENCES = ['available', 'busy', 'away'] as const

export function registerLiveGauges(
  metrics: Metrics,
  sources: LiveSources,
  o: { logger: Logger; cacheMs?: number },
): void {
  const registers = [metrics.registry]
  const cacheMs = o.cacheMs ?? 5000
  const calls = cached(() => sources.liveCalls(), cacheMs)
  const agents = cached(() => sources.agentsByPresence(), cacheMs)
  // A scrape must answer even when Postgres or Redis does not: the gauge keeps its last values
  // and the failure is logged (the other families, and /readyz, tell the rest).
  const safely = async (what: string, f: () => Promise<void>) => {
    try {
      await f()
    } catch (err) {
      o.logger.warn({ err, what }, 'metrics source failed')
    }
  }
  new Gauge({
    name: 'shouwen_calls',
    help: 'Callers on the line now, by state: in the menu, waiting in the queue, talking',
    labelNames: ['state'],
    registers,
    async collect() {
      await safely('calls', async () => {
        const { callers } = await calls()
        for (const s of CALLER_STATES) this.set({ state: s }, callers[s] ?? 0)
      })
    },
  })
  new Gauge({
    name: 'shouwen_call_legs',
    help: 'Outbound legs not ended, by kind (agent offers, department legs, return calls, softphone calls)',
    labelNames: ['kind'],
    registers,
    async collect() {
      await safely('call legs', async () => {
        const { legs } = await calls()
        for (const k of LEG_KINDS) this.set({ kind: k }, legs[k] ?? 0)
      })
    },
  })
  new Gauge({
    name: 'shouwen_agents',
    help: 'Active agents by presence',
    labelNames: ['presence'],
    registers,
    async collect() {
      await safely('agents', async () => {
        const byPresence = await agents()
        for (const p of PRESENCES) this.set({ presence: p }, byPresence[p] ?? 0)
      })
    },
  })
  new Gauge({
    name: 'shouwen_queue_jobs',
    help: 'BullMQ jobs by queue and state',
    labelNames: ['queue', 'state'],
    registers,
    async collect() {
      await safely('queue jobs', async () => {
        for (const [queue, counts] of Object.entries(await sources.queueJobs()))
          for (const [state, n] of Object.entries(counts)) this.set({ queue, state }, n)
      })
    },
  })
  new Gauge({
    name: 'shouwen_pg_pool_connections',
    help: "This process's Postgres pool: connections open (total), idle, and clients waiting",
    labelNames: ['state'],
    registers,
    collect() {
      const p = sources.pool()
      if (!p) return
      this.set({ state: 'total' }, p.total)
      this.set({ state: 'idle' }, p.idle)
      this.set({ state: 'waiting' }, p.waiting)
    },
  })
  new Gauge({
    name: 'shouwen_pg_pool_oldest_wait_seconds',
    help: "How long this process's longest waiter for a pooled Postgres connection has waited (0: none waits); new calls are shed from SHED_NEW_CALLS_AFTER_MS",
    registers,
    collect() {
      const p = sources.pool()
      if (p) this.set(p.oldestWaitMs / 1000)
    },
  })
}

/** The last answer for `ms`; concurrent callers share one request in flight. */
export function cached<T>(f: () => Promise<T>, ms: number): () => Promise<T> {
  let at = 0
  let last: Promise<T> | undefined
  return () => {
    if (!last || Date.now() - at > ms) {
      at = Date.now()
      last = f()
      // A failure is not cached: the next scrape asks again.
      last.catch(() => (last = undefined))
    }
    return last
  }
}
