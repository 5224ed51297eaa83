import { sql } from 'kysely'

import type { Db } from '../db/database.ts'

/** The id the next hint will follow: where a new reader starts. */
export async function lastHintId(db: Db): Promise<number> {
  const r = await sql<{ last: string | null }>`
    select pg_sequence_last_value('live_hints_id') as last`.execute(db)
  return Number(r.rows[0]?.last ?? 0)
}

/** Hints after `after`, and those of `gaps`, in id order, at most `limit`. */
export async function readHints(
  db: Db,
  o: { after: number; gaps: number[]; limit: number },
): Promise<{ id: number; hint: unknown }[]> {
  let q = db.selectFrom('live_hints').select(['id', 'hint'])
  q = o.gaps.length
    ? q.where((eb) => eb.or([eb('id', '>', String(o.after)), eb('id', 'in', o.gaps.map(String))]))
    : q.where('id', '>', String(o.after))
  const rows = await q.orderBy('id').limit(o.limit).execute()
  return rows.map((r) => ({ id: Number(r.id), hint: r.hint }))
}

/**
 * Deletes hints older than `keepMs` (every reader has long had them), at most `limit`. Age is
 * by the database's clock, which wrote them, not the service's (a test's may be anywhere).
 */
export async function trimHints(db: Db, keepMs: number, limit: number): Promise<number> {
  const r = await sql`
    delete from live_hints
    where id in (
      select id from live_hints
      where at < clock_timestamp() - make_interval(secs => ${keepMs / 1000})
      order by at limit ${limit})`.execute(db)
  return Number(r.numAffectedRows ?? 0)
}
