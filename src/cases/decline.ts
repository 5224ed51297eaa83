import type { Agent } from '../agents/agents.repository.ts'
import { findAgentById } from '../agents/agents.repository.ts'
import { notifyAgent } from '../callbacks/notifications.ts'
import type { Clock } from '../calls/deps.ts'
import type { Db } from '../db/database.ts'
import { endCaseClocks } from '../deadlines/case-limits.ts'
import type { CaseStatus } from '../domain/case-status.ts'
import { AppError, NotFoundError } from '../errors.ts'
import { appendCaseEvent } from './case-events.repository.ts'
import { assertCaseTakesWork, lockCaseForWork } from './case-work-guard.ts'
import type { CaseSummary } from './cases.repository.ts'
import { findCaseByReference } from './cases.repository.ts'
import { type DeclineNoticeDeps, tellCallerDeclined } from './decline-notice.ts'
import { caseToWorkOn, onBehalfData } from './update-case.ts'

/**
 * The rejection file (否定报备): whoever works on a case may ask to decline the request, in
 * writing; only a supervisor or manager other than the one asking decides. Approved, the case
 * ends as `declined`: its limits stop and its pending return calls are cancelled.
 */

interface Deps {
  db: Db
  clock: Clock
}

const DECLINABLE: CaseStatus[] = ['open', 'in_progress', 'transferred']

export async function requestDecline(
  deps: Deps,
  agent: Agent,
  reference: string,
  reason: string,
): Promise<{ requestId: string; requestedAt: Date }> {
  const kase = await caseToWorkOn(deps.db, agent, reference)
  assertCaseTakesWork(kase, 'a decline request')
  if (!DECLINABLE.includes(kase.status)) {
    throw new AppError(
      'invalid_state',
      `case ${reference} is ${kase.status}; it cannot be declined`,
    )
  }
  const at = deps.clock.now()
  const requestId = await deps.db.transaction().execute(async (trx) => {
    await lockCaseForWork(trx, kase, 'a decline request')
    const row = await trx
      .insertInto('decline_requests')
      .values({ case_id: kase.id, reason, requested_by: agent.id, requested_at: at })
      .onConflict((oc) => oc.column('case_id').where('outcome', 'is', null).doNothing())
      .returning('id')
      .executeTakeFirst()
    if (!row) {
      throw new AppError(
        'conflict',
        `case ${reference} already has a decline request waiting for a supervisor`,
      )
    }
    await appendCaseEvent(trx, {
      caseId: kase.id,
      type: 'decline_requested',
      actor: { kind: 'agent', agentId: agent.id },
      at,
      data: onBehalfData(agent, kase, { reason, requestId: row.id }),
    })
    const deciders = await trx
      .selectFrom('agents')
      .select('id')
      .where('role', 'in', ['supervisor', 'manager'])
      .where('active', '=', true)
      .where('id', '!=', agent.id)
      .execute()
    const body = `Case ${reference}: agent ${agent.jobNumber} asks to decline it: ${reason}`
    for (const d of deciders) {
      await notifyAgent(
        { db: trx, clock: deps.clock },
        { agentId: d.id, caseId: kase.id, kind: 'decline_requested', body },
      )
    }
    return row.id
  })
  return { requestId, requestedAt: at }
}

/** A supervisor's or manager's decision on the waiting request; the asker is told either way. */
export async function decideDecline(
  deps: DeclineNoticeDeps,
  decider: Agent,
  reference: string,
  d: { approve: boolean; note: string | null },
): Promise<CaseSummary> {
  const kase = await findCaseByReference(deps.db, reference)
  if (!kase) throw new NotFoundError('case', reference)
  const at = deps.clock.now()
  const declined = await deps.db.transaction().execute(async (trx) => {
    const req = await trx
      .selectFrom('decline_requests')
      .select(['id', 'reason', 'requested_by'])
      .where('case_id', '=', kase.id)
      .where('outcome', 'is', null)
      .forUpdate()
      .executeTakeFirst()
    if (!req) {
      throw new AppError('invalid_state', `case ${reference} has no decline request waiting`)
    }
    if (req.requested_by === decider.id) {
      throw new AppError('forbidden', 'a decline is decided by someone other than who asked')
    }
    if (d.approve) await closeAsDeclined(trx, kase, { ...req, approvedBy: decider.id, at })
    await trx
      .updateTable('decline_requests')
      .set({
        outcome: d.approve ? 'approved' : 'refused',
        decided_by: decider.id,
        decided_at: at,
        decision_note: d.note,
      })
      .where('id', '=', req.id)
      .execute()
    const asker = await findAgentById(trx, req.requested_by)
    await appendCaseEvent(trx, {
      caseId: kase.id,
      type: d.approve ? 'case_declined' : 'decline_refused',
      actor: { kind: 'agent', agentId: decider.id },
      at,
      data: { requestId: req.id, reason: req.reason, requestedBy: asker?.jobNumber, note: d.note },
    })
    const verdict = d.approve ? 'approved: the case is declined' : 'refused: keep working on it'
    await notifyAgent(
      { db: trx, clock: deps.clock },
      {
        agentId: req.requested_by,
        caseId: kase.id,
        kind: d.approve ? 'case_declined' : 'decline_refused',
        body: `Case ${reference}: ${decider.jobNumber} ${verdict}.${d.note ? ` ${d.note}` : ''}`,
      },
    )
    return d.approve ? req.reason : undefined
  })
  if (declined !== undefined) await tellCallerDeclined(deps, kase, declined)
  return (await findCaseByReference(deps.db, reference)) ?? kase
}

async function closeAsDeclined(
  trx: Db,
  kase: CaseSummary,
  r: { reason: string; requested_by: number; approvedBy: number; at: Date },
): Promise<void> {
  const moved = await trx
    .updateTable('cases')
    .set({
      status: 'declined',
      declined_reason: r.reason,
      declined_by: r.requested_by,
      decline_approved_by: r.approvedBy,
      declined_at: r.at,
      needs_return_call: false,
      updated_at: r.at,
    })
    .where('id', '=', kase.id)
    .where('status', 'in', DECLINABLE)
    .executeTakeFirst()
  if (moved.numUpdatedRows !== 1n) {
    const now = await findCaseByReference(trx, kase.reference)
    throw new AppError(
      'invalid_state',
      `case ${kase.reference} is ${now?.status ?? kase.status} now; refuse the request instead`,
    )
  }
  await endCaseClocks(trx, kase.id, r.at)
  await trx
    .updateTable('callbacks')
    .set({ status: 'cancelled', outcome: 'declined', updated_at: r.at })
    .where('case_id', '=', kase.id)
    .where('status', '=', 'pending')
    .execute()
}
