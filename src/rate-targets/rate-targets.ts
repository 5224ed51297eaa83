import { sql } from 'kysely'

import { appendAdminEvent } from '../admin/admin-events.repository.ts'
import type { Agent } from '../agents/agents.repository.ts'
import type { Clock } from '../calls/deps.ts'
import type { Db } from '../db/database.ts'
import type { RateName, RateTarget, RateTargets } from '../domain/rate-targets.ts'
import { DEFAULT_RATE_TARGETS, RATE_NAMES } from '../domain/rate-targets.ts'

/**
 * The rates' targets as data (table rate_targets): every reader gets all six, a rate missing
 * from the table (never, after the migration's seed) falls back to the sources' figure.
 */
export async function loadRateTargets(db: Db): Promise<RateTargets> {
  const rows = await db.selectFrom('rate_targets').select(['rate', 'value', 'comparison']).execute()
  const stored = new Map(rows.map((r) => [r.rate, r]))
  return Object.fromEntries(
    RATE_NAMES.map((name) => {
      const r = stored.get(name)
      return [
        name,
        r ? { value: Number(r.value), comparison: r.comparison } : DEFAULT_RATE_TARGETS[name],
      ]
    }),
  ) as Record<RateName, RateTarget>
}

export interface TargetsEdit {
  /** The rates that changed; unchanged ones write nothing. */
  changed: RateName[]
  targets: RateTargets
}

/**
 * An administrator sets some targets at once: one admin_events row per rate that changed
 * (before and after), in the same transaction, so the audit and the targets never disagree.
 */
export async function saveRateTargets(
  deps: { db: Db; clock: Clock },
  agent: Agent,
  edit: Partial<Record<RateName, RateTarget>>,
): Promise<TargetsEdit> {
  const at = deps.clock.now()
  const changed = await deps.db.transaction().execute(async (trx) => {
    // Two administrators saving at once would each audit against the same "before".
    await sql`select pg_advisory_xact_lock(hashtextextended('shouwen.rate-targets', 0))`.execute(
      trx,
    )
    const before = await loadRateTargets(trx)
    const names: RateName[] = []
    for (const name of RATE_NAMES) {
      const next = edit[name]
      if (!next) continue
      const was = before[name]
      if (was.value === next.value && was.comparison === next.comparison) continue
      await trx
        .insertInto('rate_targets')
        .values({
          rate: name,
          value: next.value,
          comparison: next.comparison,
          updated_by: agent.id,
          updated_at: at,
        })
        .onConflict((oc) =>
          oc.column('rate').doUpdateSet({
            value: next.value,
            comparison: next.comparison,
            updated_by: agent.id,
            updated_at: at,
          }),
        )
        .execute()
      await appendAdminEvent(trx, {
        actorAgentId: agent.id,
        entity: 'rate_target',
        entityKey: name,
        action: 'updated',
        before: { ...was },
        after: { ...next },
        at,
      })
      names.push(name)
    }
    return names
  })
  return { changed, targets: await loadRateTargets(deps.db) }
}
