import type { Queue } from 'bullmq'
import { sql } from 'kysely'

import type { Db } from '../db/database.ts'
import { oldestPoolWaitMs, poolOf } from '../db/database.ts'
import { literal } from '../db/literals.ts'
import type { LiveSources } from './live-gauges.ts'

// Job states worth a series; `completed` is left out (BullMQ trims it, it says nothing live).
const JOB_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'failed'] as const

/** Where the scrape-time gauges read from: this deployment's Postgres and BullMQ queues. */
export function liveSources(db: Db, queues: Record<string, Queue>): LiveSources {
  return {
    async liveCalls() {
      // Legs not ended (status rank below completed); the partial index keeps this off the
      // history, however many calls a year holds.
      const rows = await db
        .selectFrom('calls')
        .select(['kind', 'queue_state', sql<string>`count(*)`.as('n')])
        .where('status_rank', '<', literal(4))
        .groupBy(['kind', 'queue_state'])
        .execute()
      const callers: Record<string, number> = {}
      const legs: Record<string, number> = {}
      for (const r of rows) {
        if (r.kind === 'caller')
          callers[r.queue_state] = (callers[r.queue_state] ?? 0) + Number(r.n)
        else legs[r.kind] = (legs[r.kind] ?? 0) + Number(r.n)
      }
      return { callers, legs }
    },
    async agentsByPresence() {
      const rows = await db
        .selectFrom('agents')
        .select(['presence', sql<string>`count(*)`.as('n')])
        .where('active', '=', true)
        .groupBy('presence')
        .execute()
      return Object.fromEntries(rows.map((r) => [r.presence, Number(r.n)]))
    },
    async queueJobs() {
      const entries = await Promise.all(
        Object.entries(queues).map(
          async ([name, q]) => [name, await q.getJobCounts(...JOB_STATES)] as const,
        ),
      )
      return Object.fromEntries(entries)
    },
    pool() {
      const p = poolOf(db)
      return (
        p && {
          total: p.totalCount,
          idle: p.idleCount,
          waiting: p.waitingCount,
          oldestWaitMs: oldestPoolWaitMs(db),
        }
      )
    },
  }
}
