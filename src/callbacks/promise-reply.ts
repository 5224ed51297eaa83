import type { Agent } from '../agents/agents.repository.ts'
import { appendCaseEvent } from '../cases/case-events.repository.ts'
import { assertCaseTakesWork, lockCaseForWork } from '../cases/case-work-guard.ts'
import { caseToWorkOn } from '../cases/update-case.ts'
import { AppError } from '../errors.ts'
import { openCallback } from './callbacks.repository.ts'
import type { CallbackDeps } from './deps.ts'

// The owner is rung this long before the promised time, so the caller hears back on time.
const LEAD_MINUTES = 5

/**
 * The owner told the caller "you will have an answer by …" (限时答复). The promise goes on the
 * case and becomes a return call: the owner is rung shortly before it falls due, then the caller.
 */
export async function promiseReply(
  deps: CallbackDeps,
  agent: Agent,
  reference: string,
  replyBy: Date,
): Promise<{ callbackId: string; dueAt: Date }> {
  const kase = await caseToWorkOn(deps.db, agent, reference)
  assertCaseTakesWork(kase, 'a promised reply')
  const at = deps.clock.now()
  if (replyBy.getTime() <= at.getTime())
    throw new AppError('bad_request', 'replyBy must be in the future')
  const wanted = new Date(Math.max(at.getTime(), replyBy.getTime() - LEAD_MINUTES * 60_000))
  const dueAt = deps.callingHours.nextCallingMoment(wanted)
  const cb = await deps.db.transaction().execute(async (trx) => {
    await lockCaseForWork(trx, kase, 'a promised reply')
    await trx
      .updateTable('cases')
      .set({ promised_reply_at: replyBy, updated_at: at })
      .where('id', '=', kase.id)
      .execute()
    await trx
      .updateTable('callbacks')
      .set({ status: 'cancelled', outcome: 'superseded by a new promise', updated_at: at })
      .where('case_id', '=', kase.id)
      .where('purpose', '=', 'promised_reply')
      .where('status', '=', 'pending')
      .execute()
    const opened = await openCallback(trx, {
      caseId: kase.id,
      purpose: 'promised_reply',
      dueAt,
      deadlineAt: replyBy,
      maxAttempts: deps.retryPolicy.maxAttempts,
      at,
    })
    await appendCaseEvent(trx, {
      caseId: kase.id,
      type: 'reply_promised',
      actor: { kind: 'agent', agentId: agent.id },
      at,
      data: { replyBy: replyBy.toISOString(), callbackId: opened.id },
    })
    return opened
  })
  await deps.scheduler
    .schedule({ callbackId: cb.id, attempt: cb.attempt + 1, dueAt: cb.dueAt })
    .catch((e: unknown) =>
      deps.logger.warn({ err: e, callbackId: cb.id }, 'scheduling failed; the reconciler will'),
    )
  return { callbackId: cb.id, dueAt: cb.dueAt }
}
