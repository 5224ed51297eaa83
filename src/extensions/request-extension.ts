import { randomUUID } from 'node:crypto'

import type { Agent } from '../agents/agents.repository.ts'
import { notifyAgent } from '../callbacks/notifications.ts'
import type { CallDeps } from '../calls/deps.ts'
import { appendCaseEvent } from '../cases/case-events.repository.ts'
import { assertCaseTakesWork, lockCaseForWork } from '../cases/case-work-guard.ts'
import { caseToWorkOn, onBehalfData } from '../cases/update-case.ts'
import type { LimitStepName } from '../db/schema.ts'
import { AppError } from '../errors.ts'

export interface ExtensionAsk {
  step: LimitStepName
  newDueAt: Date
  reason: string
  /** For a department_answer clock when more than one department's is running. */
  department?: string | undefined
}

/**
 * The owner (or a colleague covering) asks for a later due time on one running clock of the
 * case, the current round's; managers and administrators are told. Nothing moves until one of
 * them approves: until then the step is judged against the time it has.
 */
export async function requestExtension(
  deps: Pick<CallDeps, 'db' | 'clock'>,
  agent: Agent,
  reference: string,
  ask: ExtensionAsk,
): Promise<{ id: string }> {
  const kase = await caseToWorkOn(deps.db, agent, reference)
  assertCaseTakesWork(kase, 'an extension request')
  const at = deps.clock.now()
  const id = randomUUID()
  await deps.db.transaction().execute(async (trx) => {
    await lockCaseForWork(trx, kase, 'an extension request')
    let q = trx
      .selectFrom('case_deadlines as d')
      .leftJoin('departments as dep', 'dep.id', 'd.department_id')
      .select(['d.id', 'd.due_at', 'd.round', 'dep.code as department'])
      .where('d.case_id', '=', kase.id)
      .where('d.step', '=', ask.step)
      .where('d.outcome', '=', 'open')
      .orderBy('d.round', 'desc')
      .forUpdate('d')
    if (ask.department !== undefined) q = q.where('dep.code', '=', ask.department)
    const open = await q.execute()
    const clock = open[0]
    if (!clock) {
      const of = ask.department ? ` for department ${ask.department}` : ''
      throw new AppError(
        'bad_request',
        `case ${reference} has no running ${ask.step} clock${of}; only a running clock is extended`,
      )
    }
    if (ask.step === 'department_answer' && ask.department === undefined && open.length > 1) {
      const names = open.map((c) => c.department).join(', ')
      throw new AppError('bad_request', `several departments are answering (${names}): name one`)
    }
    if (ask.newDueAt.getTime() <= clock.due_at.getTime()) {
      throw new AppError(
        'bad_request',
        `newDueAt must be later than the clock's due time ${clock.due_at.toISOString()}`,
      )
    }
    const waiting = await trx
      .selectFrom('extension_requests')
      .select('id')
      .where('deadline_id', '=', clock.id)
      .where('decision', 'is', null)
      .executeTakeFirst()
    if (waiting) {
      throw new AppError('conflict', `extension request ${waiting.id} for this clock is waiting`)
    }
    await trx
      .insertInto('extension_requests')
      .values({
        id,
        case_id: kase.id,
        deadline_id: clock.id,
        step: ask.step,
        requested_by: agent.id,
        requested_at: at,
        new_due_at: ask.newDueAt,
        reason: ask.reason,
        decided_by: null,
        decided_at: null,
        decision: null,
        note: null,
      })
      .execute()
    await appendCaseEvent(trx, {
      caseId: kase.id,
      type: 'extension_requested',
      actor: { kind: 'agent', agentId: agent.id },
      at,
      data: onBehalfData(agent, kase, {
        requestId: id,
        step: ask.step,
        round: clock.round,
        department: clock.department,
        dueAt: clock.due_at.toISOString(),
        newDueAt: ask.newDueAt.toISOString(),
        reason: ask.reason,
      }),
    })
    const deciders = await trx
      .selectFrom('agents')
      .select('id')
      .where('role', 'in', ['manager', 'admin'])
      .where('active', '=', true)
      .where('id', '!=', agent.id)
      .execute()
    const body =
      `Case ${reference}: agent ${agent.jobNumber} asks to extend ${ask.step} from ` +
      `${clock.due_at.toISOString()} to ${ask.newDueAt.toISOString()}: ${ask.reason} ` +
      `(POST /api/extension-requests/${id}/approve or /refuse).`
    for (const d of deciders) {
      await notifyAgent(
        { db: trx, clock: deps.clock },
        { agentId: d.id, caseId: kase.id, kind: 'extension_requested', body },
      )
    }
  })
  return { id }
}
