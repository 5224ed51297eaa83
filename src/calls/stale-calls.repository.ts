import { sql } from 'kysely'

import type { Db } from '../db/database.ts'
import { literal } from '../db/literals.ts'
import type { CallsTable } from '../db/schema.ts'

export interface StaleCall {
  callSid: string
  kind: CallsTable['kind']
  lastSequence: number
  updatedAt: Date
}

/**
 * Calls not ended that nothing has updated for `staleBefore`, and that were not asked about
 * since `recheckBefore`: oldest first (by the later of update and check), at most `limit`.
 * The partial index `calls_stale_check_idx` holds only calls in progress, in that order (its
 * predicate in literals: src/db/literals.ts).
 */
export async function findStaleCalls(
  db: Db,
  o: { staleBefore: Date; recheckBefore: Date; limit: number },
): Promise<StaleCall[]> {
  const due = sql<Date>`greatest(updated_at, status_checked_at)`
  const rows = await db
    .selectFrom('calls')
    .select(['call_sid', 'kind', 'last_sequence', 'updated_at'])
    .where('status_rank', '<', literal(4))
    .where(due, '<', o.staleBefore)
    .where('updated_at', '<', o.staleBefore)
    .where((eb) =>
      eb.or([eb('status_checked_at', 'is', null), eb('status_checked_at', '<', o.recheckBefore)]),
    )
    .orderBy(due)
    .limit(o.limit)
    .execute()
  return rows.map((r) => ({
    callSid: r.call_sid,
    kind: r.kind,
    lastSequence: r.last_sequence,
    updatedAt: r.updated_at,
  }))
}

/** Twilio was asked at `at` (whatever it answered): not again before the recheck period. */
export async function markStatusChecked(db: Db, callSid: string, at: Date): Promise<void> {
  await db
    .updateTable('calls')
    .set({ status_checked_at: at })
    .where('call_sid', '=', callSid)
    .execute()
}

/** Whose leg a call is, so its status goes where its own status callback would have gone. */
export type LegOwner =
  | { kind: 'caller' }
  | { kind: 'agent_offer'; offerId: string }
  | { kind: 'department'; transferId: string }
  | { kind: 'callback'; callbackId: string; attempt: number }
  | { kind: 'softphone' }
  | null

export async function findLegOwner(db: Db, call: StaleCall): Promise<LegOwner> {
  switch (call.kind) {
    case 'caller':
      return { kind: 'caller' }
    case 'agent_offer': {
      const o = await db
        .selectFrom('agent_offers')
        .select('id')
        .where('leg_call_sid', '=', call.callSid)
        .executeTakeFirst()
      return o ? { kind: 'agent_offer', offerId: o.id } : null
    }
    case 'department': {
      const t = await db
        .selectFrom('transfers')
        .select('id')
        .where('leg_call_sid', '=', call.callSid)
        .executeTakeFirst()
      return t ? { kind: 'department', transferId: t.id } : null
    }
    case 'callback': {
      const a = await db
        .selectFrom('callback_attempts')
        .select(['callback_id', 'attempt'])
        .where('call_sid', '=', call.callSid)
        .executeTakeFirst()
      return a ? { kind: 'callback', callbackId: a.callback_id, attempt: a.attempt } : null
    }
    case 'softphone':
      return { kind: 'softphone' }
  }
}
