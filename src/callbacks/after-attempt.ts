import { appendCaseEvent } from '../cases/case-events.repository.ts'
import { findCaseById } from '../cases/cases.repository.ts'
import type { AttemptOutcome } from '../db/schema.ts'
import { nextAttempt } from '../domain/callback-policy.ts'
import { coerceError } from '../errors.ts'
import type { Callback } from './callbacks.repository.ts'
import { findCallback, finishCallback, reschedule, settleAttempt } from './callbacks.repository.ts'
import type { CallbackDeps } from './deps.ts'
import { notifyAgent } from './notifications.ts'

/**
 * An attempt ended without the caller settling the case (no answer, busy, machine, no key,
 * hung up, a failed dial): try again by the retry policy, or, once attempts run out, send the
 * caller an SMS they can answer and hand the case to the supervisor. Never closes the case.
 */
export async function attemptFailed(
  deps: CallbackDeps,
  callbackId: string,
  attempt: number,
  outcome: AttemptOutcome,
): Promise<void> {
  const at = deps.clock.now()
  if (await settleAttempt(deps.db, callbackId, attempt, outcome, at))
    deps.metrics.callbackOutcomes.inc({ outcome })
  const cb = await findCallback(deps.db, callbackId)
  if (!cb || cb.status !== 'dialing' || cb.attempt !== attempt) return // settled already
  const next = nextAttempt({
    now: at,
    attemptsMade: cb.attempt,
    policy: { ...deps.retryPolicy, maxAttempts: cb.maxAttempts },
    nextCallingMoment: (t) => deps.callingHours.nextCallingMoment(t),
    deadline: cb.deadlineAt,
    since: cb.createdAt,
  })
  if (next.kind === 'retry') {
    if (await reschedule(deps.db, cb.id, next.at, at)) {
      await appendCaseEvent(deps.db, {
        caseId: cb.caseId,
        type: 'callback_retry_scheduled',
        actor: { kind: 'system' },
        at,
        data: {
          callbackId: cb.id,
          purpose: cb.purpose,
          attempt,
          outcome,
          nextAt: next.at.toISOString(),
        },
      })
      await deps.scheduler.schedule({ callbackId: cb.id, attempt: cb.attempt + 1, dueAt: next.at })
    }
    return
  }
  await exhaust(deps, cb, outcome)
}

async function exhaust(
  deps: CallbackDeps,
  cb: Callback,
  lastOutcome: AttemptOutcome,
): Promise<void> {
  const at = deps.clock.now()
  if (!(await finishCallback(deps.db, cb.id, 'exhausted', lastOutcome, at))) return
  const kase = await findCaseById(deps.db, cb.caseId)
  if (!kase) return
  await appendCaseEvent(deps.db, {
    caseId: cb.caseId,
    type: 'callback_exhausted',
    actor: { kind: 'system' },
    at,
    data: { callbackId: cb.id, purpose: cb.purpose, attempts: cb.attempt },
  })
  const caller = kase.callerId
    ? await deps.db
        .selectFrom('callers')
        .select('phone_number')
        .where('id', '=', kase.callerId)
        .executeTakeFirst()
    : undefined
  const hotline = kase.hotlineNumber
  if (cb.purpose === 'confirmation' && caller && hotline) {
    const body = confirmationSms(kase.reference)
    try {
      const { messageSid } = await deps.telephony.sendSms({
        to: caller.phone_number,
        from: hotline,
        body,
      })
      await deps.db
        .insertInto('sms_messages')
        .values({
          message_sid: messageSid,
          direction: 'outbound',
          case_id: cb.caseId,
          purpose: 'confirmation',
          to_number: caller.phone_number,
          from_number: hotline,
          body,
          status: 'sent',
          created_at: at,
        })
        .execute()
      await appendCaseEvent(deps.db, {
        caseId: cb.caseId,
        type: 'confirmation_sms_sent',
        actor: { kind: 'system' },
        at,
        data: { messageSid },
      })
    } catch (e) {
      deps.logger.warn({ err: coerceError(e), caseId: cb.caseId }, 'confirmation sms failed')
    }
  }
  const duty = hotline ? await deps.directory.hotline(hotline) : undefined
  if (duty) {
    await notifyAgent(deps, {
      agentId: duty.dutySupervisorId,
      caseId: cb.caseId,
      kind: 'callback_exhausted',
      body: `Case ${kase.reference}: the caller could not be reached after ${cb.attempt} attempts (${cb.purpose}).`,
    })
  }
}

/** Mandarin first (the hotline's public), with the English after; the caller answers 1 or 2. */
export function confirmationSms(reference: string): string {
  return (
    `【首问热线】您的工单 ${reference} 已处理完毕。已解决请回复 1，未解决请回复 2。` +
    ` Case ${reference} was reported done. Reply 1 if solved, 2 if not.`
  )
}
