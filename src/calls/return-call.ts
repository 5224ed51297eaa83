import { sql } from 'kysely'

import { openCallbackOf } from '../callbacks/callbacks.repository.ts'
import type { CallbackDeps } from '../callbacks/deps.ts'
import { appendCaseEvent } from '../cases/case-events.repository.ts'
import { markNeedsReturnCall } from '../cases/cases.repository.ts'
import type { Db } from '../db/database.ts'
import { coerceError } from '../errors.ts'
import { findHotline } from './directory.repository.ts'

/**
 * A caller nobody answered is owed a call back. The case still gets an accountable owner (the
 * hotline's duty supervisor, when nobody claimed it) and a return-call row in Postgres, so the
 * debt survives anything that happens to Redis or a worker.
 */
export async function oweReturnCall(
  db: Db,
  o: {
    caseId: string
    callSid: string
    hotlineNumber: string | null
    reason: 'voicemail' | 'abandoned'
    at: Date
  },
): Promise<void> {
  const hotline = o.hotlineNumber ? await findHotline(db, o.hotlineNumber) : undefined
  if (hotline) {
    const assigned = await db
      .updateTable('cases')
      .set({
        first_owner_id: hotline.dutySupervisorId,
        first_owned_at: o.at,
        assignee_agent_id: hotline.dutySupervisorId,
        updated_at: o.at,
      })
      .where('id', '=', o.caseId)
      .where('first_owner_id', 'is', null)
      .executeTakeFirst()
    if (assigned.numUpdatedRows === 1n) {
      await appendCaseEvent(db, {
        caseId: o.caseId,
        type: 'first_owner_assigned',
        actor: { kind: 'system' },
        at: o.at,
        callSid: o.callSid,
        data: { agentId: hotline.dutySupervisorId, reason: `duty supervisor: ${o.reason}` },
      })
    }
  }
  await markNeedsReturnCall(db, o.caseId, o.at)
  const inserted = await db
    .insertInto('callbacks')
    .values({ case_id: o.caseId, purpose: 'unanswered_inbound', due_at: o.at, outcome: null })
    // One open return call per case: a second missed call adds nothing to the debt.
    .onConflict((oc) => openCallbackOf(oc).doNothing())
    .returning('id')
    .executeTakeFirst()
  if (inserted) {
    await appendCaseEvent(db, {
      caseId: o.caseId,
      type: 'return_call_needed',
      actor: { kind: 'system' },
      at: o.at,
      callSid: o.callSid,
      data: { reason: o.reason, callbackId: inserted.id },
    })
  }
}

/**
 * Once the caller has hung up, the return call their call left owed (abandoned in the queue, or
 * after a voicemail) is scheduled straight away: it is due already. Scheduling only when the
 * caller is gone means nobody is rung to call back a caller still leaving a message. If Redis
 * refuses, the reconciler schedules it from the row on its next pass; the job id comes from the
 * row, so both paths make one job.
 */
export async function scheduleOwedReturnCall(deps: CallbackDeps, callSid: string): Promise<void> {
  const owed = await deps.db
    .selectFrom('calls')
    .innerJoin('callbacks', 'callbacks.case_id', 'calls.case_id')
    .select(['callbacks.id', 'callbacks.attempt', 'callbacks.due_at'])
    .where('calls.call_sid', '=', callSid)
    .where('callbacks.purpose', '=', 'unanswered_inbound')
    .where('callbacks.status', '=', 'pending')
    .executeTakeFirst()
  if (!owed) return
  try {
    await deps.scheduler.schedule({
      callbackId: owed.id,
      attempt: owed.attempt + 1,
      dueAt: owed.due_at,
    })
  } catch (err) {
    deps.logger.warn(
      { err: coerceError(err), callbackId: owed.id },
      'could not schedule the return call; the reconciler will',
    )
  }
}

/** Count of agents who could take a call right now (presence available). */
export async function countAvailableAgents(db: Db): Promise<number> {
  const r = await db
    .selectFrom('agents')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('presence', '=', 'available')
    .executeTakeFirstOrThrow()
  return r.n
}
