import { sql } from 'kysely'

import type { Db } from '../db/database.ts'

/**
 * Batched deletes for the retention duty. Each deletes at most `limit` rows, oldest first, in
 * its own short statement, so a first run over a year of rows never holds locks for long; the
 * conditions are repeated outside the sub-select so a row changed meanwhile is re-checked.
 */

/** Status-callback receipts (idempotency keys only) received before `before`. */
export async function deleteOldReceipts(db: Db, before: Date, limit: number): Promise<number> {
  const r = await sql`
    delete from status_receipts
    where (resource_sid, event, sequence_number) in (
      select resource_sid, event, sequence_number from status_receipts
      where received_at < ${before} order by received_at limit ${limit})
      and received_at < ${before}`.execute(db)
  return Number(r.numAffectedRows ?? 0)
}

/** Agents rung (agent_offers) before `before` whose ring is over. */
export async function deleteOldOffers(db: Db, before: Date, limit: number): Promise<number> {
  const r = await sql`
    delete from agent_offers
    where id in (
      select id from agent_offers
      where created_at < ${before} and status not in ('dialing', 'ringing', 'answered')
      order by created_at limit ${limit})
      and created_at < ${before} and status not in ('dialing', 'ringing', 'answered')`.execute(db)
  return Number(r.numAffectedRows ?? 0)
}

/**
 * Outbound legs that rang an agent or a department (calls of kind agent_offer / department),
 * started before `before` and ended. Callers' calls and return calls are never touched.
 */
export async function deleteOldLegCalls(db: Db, before: Date, limit: number): Promise<number> {
  const r = await sql`
    delete from calls c
    where c.call_sid in (
      select l.call_sid from calls l
      where l.kind in ('agent_offer', 'department') and l.created_at < ${before}
        and l.status_rank >= 4
        -- nothing hangs off a leg today; should something ever, that leg stays (and is passed
        -- over, not retried in every batch) rather than the batch failing on the foreign key
        and not exists (select 1 from calls ch where ch.parent_call_sid = l.call_sid)
      order by l.created_at limit ${limit})
      and c.kind in ('agent_offer', 'department') and c.created_at < ${before}
      and c.status_rank >= 4
      and not exists (select 1 from calls ch where ch.parent_call_sid = c.call_sid)`.execute(db)
  return Number(r.numAffectedRows ?? 0)
}
