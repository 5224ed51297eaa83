import type { Agent } from '../agents/agents.repository.ts'
import { openCallback } from '../callbacks/callbacks.repository.ts'
import type { CallbackDeps } from '../callbacks/deps.ts'
import { textCaller } from '../cases/caller-sms.ts'
import { appendCaseEvent } from '../cases/case-events.repository.ts'
import { assertCaseTakesWork, lockCaseForWork } from '../cases/case-work-guard.ts'
import { findCaseById } from '../cases/cases.repository.ts'
import { caseToWorkOn } from '../cases/update-case.ts'
import { findDepartment } from '../directory/departments.repository.ts'
import { OPEN_CASE_STATUSES } from '../domain/case-status.ts'
import { departmentContactSms } from '../domain/transfer-prompts.ts'
import { AppError, NotFoundError } from '../errors.ts'
import { assignToDepartment } from './assignment.ts'

/**
 * The owner hands the case to a department that could not take the call live: the department
 * must call the caller back within its limit. That is a scheduled return call (person first: the
 * department's on-duty person is rung, then the caller), not something the caller has to chase.
 */
export async function handToDepartment(
  deps: CallbackDeps,
  agent: Agent,
  reference: string,
  req: { department: string; note?: string },
): Promise<{ callbackId: string; dueAt: Date; answerBy: Date | null }> {
  const kase = await caseToWorkOn(deps.db, agent, reference)
  assertCaseTakesWork(kase, 'a department callback')
  if (!(OPEN_CASE_STATUSES as readonly string[]).includes(kase.status)) {
    throw new AppError('invalid_state', `case ${reference} is ${kase.status}`)
  }
  const dept = await findDepartment(deps.db, { code: req.department })
  if (!dept) throw new NotFoundError('department', req.department)
  if (!dept.active) throw new AppError('invalid_state', `department ${dept.code} is not active`)
  if (!dept.people.some((p) => p.active)) {
    throw new AppError('invalid_state', `department ${dept.code} has nobody to ring`)
  }
  const at = deps.clock.now()
  const dueAt = deps.callingHours.nextCallingMoment(at)
  const result = await deps.db.transaction().execute(async (trx) => {
    await lockCaseForWork(trx, kase, 'a department callback')
    const answerBy = await assignToDepartment(deps, trx, {
      kase,
      department: dept,
      actor: { kind: 'agent', agentId: agent.id },
      at,
      data: { via: 'department_callback', note: req.note ?? null },
    })
    const cb = await openCallback(trx, {
      caseId: kase.id,
      purpose: 'department_callback',
      dueAt,
      deadlineAt: answerBy,
      maxAttempts: deps.retryPolicy.maxAttempts,
      at,
    })
    await trx
      .updateTable('callbacks')
      .set({ department_id: dept.id })
      .where('id', '=', cb.id)
      .execute()
    await appendCaseEvent(trx, {
      caseId: kase.id,
      type: 'department_callback_scheduled',
      actor: { kind: 'agent', agentId: agent.id },
      at,
      data: { callbackId: cb.id, department: dept.code, dueAt: cb.dueAt, answerBy },
    })
    return { cb, answerBy }
  })
  await deps.scheduler
    .schedule({ callbackId: result.cb.id, attempt: result.cb.attempt + 1, dueAt: result.cb.dueAt })
    .catch((e: unknown) =>
      deps.logger.warn(
        { err: e, callbackId: result.cb.id },
        'scheduling failed; the reconciler will',
      ),
    )
  const fresh = (await findCaseById(deps.db, kase.id)) ?? kase
  await textCaller(
    deps,
    fresh,
    'department_contact',
    departmentContactSms(
      kase.reference,
      dept,
      kase.firstOwnerJobNumber,
      result.answerBy && { at: result.answerBy, timeZone: deps.calendar.timeZone },
    ),
  )
  return { callbackId: result.cb.id, dueAt: result.cb.dueAt, answerBy: result.answerBy }
}
