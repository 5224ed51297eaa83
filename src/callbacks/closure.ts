import type { Agent } from '../agents/agents.repository.ts'
import type { CallDeps } from '../calls/deps.ts'
import { appendCaseEvent } from '../cases/case-events.repository.ts'
import type { Db } from '../db/database.ts'
import { endCaseClocks, startStep } from '../deadlines/case-limits.ts'
import { notifyAgent } from './notifications.ts'

/**
 * The caller's word on a case reported done: "solved" closes it, "not solved" reopens it as
 * rework (二次处理), counted, with the owner and the duty supervisor told. Only a caller (on a
 * return call or by SMS) gets here; the people who did the work cannot.
 */
export async function applyCallerVerdict(
  deps: Pick<CallDeps, 'db' | 'clock' | 'directory' | 'calendar' | 'limitSettings'>,
  trx: Db,
  v: { caseId: string; solved: boolean; via: 'call' | 'sms'; callSid?: string | null },
): Promise<boolean> {
  const at = deps.clock.now()
  if (v.solved) {
    const r = await trx
      .updateTable('cases')
      .set({
        status: 'closed',
        closed_at: at,
        closed_by: 'caller',
        // 回访率 counts a spoken return call; an SMS "1" is shown apart.
        closed_via: v.via,
        needs_return_call: false,
        updated_at: at,
      })
      .where('id', '=', v.caseId)
      .where('status', '=', 'awaiting_confirmation')
      .executeTakeFirst()
    if (r.numUpdatedRows !== 1n) return false
    await endCaseClocks(trx, v.caseId, at)
    await appendCaseEvent(trx, {
      caseId: v.caseId,
      type: 'case_closed_by_caller',
      actor: { kind: 'caller' },
      at,
      callSid: v.callSid ?? null,
      data: { via: v.via },
    })
    return true
  }
  const r = await trx
    .updateTable('cases')
    .set((eb) => ({
      status: 'in_progress',
      rework_count: eb('rework_count', '+', 1),
      updated_at: at,
    }))
    .where('id', '=', v.caseId)
    .where('status', '=', 'awaiting_confirmation')
    .returning([
      'reference',
      'first_owner_id',
      'hotline_number',
      'rework_count',
      'category_id',
      'variant',
    ])
    .executeTakeFirst()
  if (!r) return false
  // Rework is a new round (二次处理): its own resolution clock from this moment, and later its
  // own confirmation call clock, each counted apart from round 1's.
  const category = r.category_id
    ? await trx
        .selectFrom('categories')
        .select('code')
        .where('id', '=', r.category_id)
        .executeTakeFirst()
    : undefined
  await startStep(deps, trx, {
    caseId: v.caseId,
    step: 'resolution',
    category: category?.code ?? null,
    variant: r.variant,
    at,
    round: r.rework_count + 1,
  })
  await appendCaseEvent(trx, {
    caseId: v.caseId,
    type: 'rework',
    actor: { kind: 'caller' },
    at,
    callSid: v.callSid ?? null,
    data: { via: v.via, reworkCount: r.rework_count },
  })
  const body = `Case ${r.reference}: the caller says it is NOT solved (rework #${r.rework_count}).`
  if (r.first_owner_id)
    await notifyAgent(
      { db: trx, clock: deps.clock },
      { agentId: r.first_owner_id, caseId: v.caseId, kind: 'rework', body },
    )
  const hotline = r.hotline_number ? await deps.directory.hotline(r.hotline_number) : undefined
  if (hotline && hotline.dutySupervisorId !== r.first_owner_id) {
    await notifyAgent(
      { db: trx, clock: deps.clock },
      { agentId: hotline.dutySupervisorId, caseId: v.caseId, kind: 'rework', body },
    )
  }
  return true
}

/** A supervisor closes a case whose caller could not be reached, with a written reason. */
export async function overrideClose(
  deps: Pick<CallDeps, 'db' | 'clock'>,
  supervisor: Agent,
  caseId: string,
  reason: string,
): Promise<boolean> {
  const at = deps.clock.now()
  return deps.db.transaction().execute(async (trx) => {
    const exhausted = await trx
      .selectFrom('callbacks')
      .select('id')
      .where('case_id', '=', caseId)
      .where('purpose', '=', 'confirmation')
      .where('status', '=', 'exhausted')
      .executeTakeFirst()
    if (!exhausted) return false
    const r = await trx
      .updateTable('cases')
      .set({
        status: 'closed',
        closed_at: at,
        closed_by: 'supervisor_override',
        override_by: supervisor.id,
        override_reason: reason,
        needs_return_call: false,
        updated_at: at,
      })
      .where('id', '=', caseId)
      .where('status', '=', 'awaiting_confirmation')
      .executeTakeFirst()
    if (r.numUpdatedRows !== 1n) return false
    await endCaseClocks(trx, caseId, at)
    await appendCaseEvent(trx, {
      caseId,
      type: 'case_closed_by_override',
      actor: { kind: 'agent', agentId: supervisor.id },
      at,
      data: { reason },
    })
    return true
  })
}
