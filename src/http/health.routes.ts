import { Router } from 'express'
import { sql } from 'kysely'

import { listBeats } from '../beats/beats.repository.ts'
import type { Role } from '../config.ts'
import type { Db } from '../db/database.ts'
import { answeredWithin } from '../db/database.ts'
import { pendingMigrations } from '../db/migrate.ts'
import type { CalendarWarning } from '../domain/calendar/calendar-warnings.ts'
import { coerceError } from '../errors.ts'

export interface Pingable {
  ping(): Promise<unknown>
}

/** /healthz: the process answers. /readyz: it can do its job (Postgres, Redis, schema). */
export function createHealthRouter(deps: {
  db: Db
  redis: Pingable
  isShuttingDown: () => boolean
  /** Said on /readyz, so nobody mistakes a simulator for a live hotline. */
  twilioMode: 'live' | 'simulator'
  /** Said on /readyz without failing it: e.g. next year's holidays only estimated. */
  warnings?: () => CalendarWarning[]
  /** Which part of the service this process runs (SHOUWEN_ROLE). */
  role: Role
}): Router {
  const router = Router()
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' })
  })
  let migrationsOkUntil = -Infinity
  router.get('/readyz', async (_req, res) => {
    const checks: Record<string, string> = {}
    const run = async (name: string, f: () => Promise<string>) => {
      try {
        checks[name] = await withTimeout(f(), 2000)
      } catch (e) {
        checks[name] = `failed: ${coerceError(e).message}`
      }
    }
    await Promise.all([
      // Not through the pool's queue when the process's own statements show Postgres answering:
      // on a busy instance that queue is seconds long, and a check failing for it would take the
      // instance out of the balancer and pile its calls onto the others, busy too (a bench:day on
      // a slow machine lost 2,000 webhooks that way). Being behind is answered by shedding new
      // calls (SHED_NEW_CALLS_AFTER_MS), not by leaving the pool.
      run('postgres', async () =>
        answeredWithin(deps.db, 2000) ? 'ok' : (await sql`select 1`.execute(deps.db), 'ok'),
      ),
      run('redis', async () => (await deps.redis.ping(), 'ok')),
      run('migrations', async () => {
        // Once all applied, asked again a minute later (a restore could undo them), not each check.
        if (performance.now() < migrationsOkUntil) return 'ok'
        const pending = await pendingMigrations(deps.db)
        if (pending.length) throw new Error(`pending: ${pending.join(', ')}`)
        migrationsOkUntil = performance.now() + 60_000
        return 'ok'
      }),
    ])
    if (deps.isShuttingDown()) checks['shutdown'] = 'in progress'
    const ready = Object.values(checks).every((v) => v === 'ok')
    // Reported, not counted in readiness: a late beat is the workers' trouble, and taking this
    // instance's webhooks away would not bring it back. Monitoring alerts on `late`.
    const beats = await withTimeout(beatHealth(deps.db), 2000).catch(() => undefined)
    // Warnings, likewise: the service runs, but someone must act (import next year's holidays).
    const warnings = deps.warnings?.() ?? []
    res.status(ready ? 200 : 503).json({
      status: ready ? 'ready' : 'not ready',
      role: deps.role,
      twilio: deps.twilioMode,
      checks,
      beats,
      warnings,
    })
  })
  return router
}

/** Each periodic duty's last good run; late when three beats (and 30 s) passed without one. */
async function beatHealth(db: Db) {
  const now = Date.now()
  return Object.fromEntries(
    (await listBeats(db)).map((b) => [
      b.name,
      {
        lastOkAt: b.lastOkAt,
        // Whether the last run failed; its message (which may name a phone number) stays in
        // the log and the table, off this unauthenticated page.
        failing: b.lastError !== null,
        late: !b.lastOkAt || now - b.lastOkAt.getTime() > 3 * b.everyMs + 30_000,
      },
    ]),
  )
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) =>
      setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms).unref(),
    ),
  ])
}
