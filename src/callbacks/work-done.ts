import type { Agent } from '../agents/agents.repository.ts'
import { appendCaseEvent } from '../cases/case-events.repository.ts'
import { assertCaseTakesWork, lockCaseForWork } from '../cases/case-work-guard.ts'
import { caseToWorkOn, onBehalfData } from '../cases/update-case.ts'
import { finishStep, startStep } from '../deadlines/case-limits.ts'
import type { CaseStatus } from '../domain/case-status.ts'
import { AppError } from '../errors.ts'
import { openCallback } from './callbacks.repository.ts'
import type { CallbackDeps } from './deps.ts'

const WORKABLE: CaseStatus[] = ['open', 'in_progress', 'transferred']

/**
 * Work reported done: the case waits for the caller's word, and a confirmation call is put on
 * the schedule (in Postgres first, then the queue). Nobody but the caller can close it now.
 */
export async function reportWorkDone(
  deps: CallbackDeps,
  agent: Agent,
  reference: string,
  summary: string,
): Promise<{ callbackId: string; dueAt: Date }> {
  const kase = await caseToWorkOn(deps.db, agent, reference)
  assertCaseTakesWork(kase, 'work done')
  if (!WORKABLE.includes(kase.status)) {
    throw new AppError(
      'invalid_state',
      `case ${reference} is ${kase.status}; only open work can be reported done`,
    )
  }
  const at = deps.clock.now()
  const dueAt = deps.callingHours.nextCallingMoment(
    new Date(at.getTime() + deps.config.callbacks.confirmationDelaySeconds * 1000),
  )
  const cb = await deps.db.transaction().execute(async (trx) => {
    await lockCaseForWork(trx, kase, 'work done')
    const moved = await trx
      .updateTable('cases')
      .set({
        status: 'awaiting_confirmation',
        resolved_at: at,
        resolution_summary: summary,
        updated_at: at,
      })
      .where('id', '=', kase.id)
      .where('status', 'in', WORKABLE)
      .executeTakeFirst()
    if (moved.numUpdatedRows !== 1n)
      throw new AppError('conflict', `case ${reference} changed meanwhile; try again`)
    await appendCaseEvent(trx, {
      caseId: kase.id,
      type: 'work_done',
      actor: { kind: 'agent', agentId: agent.id },
      at,
      data: onBehalfData(agent, kase, { summary }),
    })
    // The department's answer is part of the work: reporting it done meets their clocks too.
    await finishStep(trx, kase.id, 'resolution', at)
    await finishStep(trx, kase.id, 'department_answer', at)
    // The return call's clock runs from the moment it may first be placed (after the delay,
    // inside calling hours), not from now: it is met by the first dial within its window.
    await startStep(deps, trx, {
      caseId: kase.id,
      step: 'confirmation_call',
      category: kase.categoryCode,
      variant: kase.variant,
      at: dueAt,
      round: kase.reworkCount + 1,
    })
    const opened = await openCallback(trx, {
      caseId: kase.id,
      purpose: 'confirmation',
      dueAt,
      deadlineAt: null,
      maxAttempts: deps.retryPolicy.maxAttempts,
      at,
    })
    await appendCaseEvent(trx, {
      caseId: kase.id,
      type: 'confirmation_scheduled',
      actor: { kind: 'system' },
      at,
      data: { callbackId: opened.id, dueAt: dueAt.toISOString() },
    })
    return opened
  })
  // After commit: if this fails the reconciler schedules it from the row.
  await deps.scheduler
    .schedule({ callbackId: cb.id, attempt: cb.attempt + 1, dueAt })
    .catch((e: unknown) =>
      deps.logger.warn({ err: e, callbackId: cb.id }, 'scheduling failed; the reconciler will'),
    )
  return { callbackId: cb.id, dueAt }
}
