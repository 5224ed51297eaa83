import { appendCaseEvent } from '../cases/case-events.repository.ts'
import { findCaseById } from '../cases/cases.repository.ts'
import { finishStep } from '../deadlines/case-limits.ts'
import { coerceError } from '../errors.ts'
import { attemptFailed } from './after-attempt.ts'
import type { CallbackPurpose } from './callbacks.repository.ts'
import {
  claimAttempt,
  findCallback,
  finishCallback,
  setAttemptCall,
} from './callbacks.repository.ts'
import type { CallbackDeps } from './deps.ts'

/** Purposes this engine dials today. The others stay pending in Postgres until their flow exists. */
export const DIALLED_PURPOSES: readonly CallbackPurpose[] = ['confirmation']

// Long enough for a caller to reach the phone; voicemail usually picks up around 25-30 s.
const CALLBACK_RING_SECONDS = 25

export type DialResult = 'dialled' | 'skipped' | 'rescheduled' | 'cancelled' | 'failed' | 'unknown'

/**
 * One scheduled attempt. Everything is re-checked in Postgres first: a duplicate, stale or
 * early job, a case that no longer needs the call, or a moment outside calling hours dials
 * nothing. The claim (pending → dialing for this attempt) is what makes a call happen at most
 * once, whatever the queue does with the job.
 */
export async function dialCallback(
  deps: CallbackDeps,
  job: { callbackId: string; attempt: number },
): Promise<DialResult> {
  const now = deps.clock.now()
  const cb = await findCallback(deps.db, job.callbackId)
  if (!cb || cb.status !== 'pending' || cb.attempt !== job.attempt - 1) return 'skipped'
  if (!DIALLED_PURPOSES.includes(cb.purpose)) return 'skipped'
  if (cb.dueAt.getTime() > now.getTime() + 1000) return 'skipped' // moved later; its own job exists
  const allowed = deps.callingHours.nextCallingMoment(now)
  if (allowed.getTime() > now.getTime()) {
    await deps.db
      .updateTable('callbacks')
      .set({ due_at: allowed, updated_at: now })
      .where('id', '=', cb.id)
      .where('status', '=', 'pending')
      .execute()
    await deps.scheduler.schedule({ callbackId: cb.id, attempt: job.attempt, dueAt: allowed })
    return 'rescheduled'
  }
  const kase = await findCaseById(deps.db, cb.caseId)
  if (!kase || kase.status !== 'awaiting_confirmation') {
    await finishCallback(deps.db, cb.id, 'cancelled', `case is ${kase?.status ?? 'gone'}`, now)
    return 'cancelled'
  }
  const caller = kase.callerId
    ? await deps.db
        .selectFrom('callers')
        .select('phone_number')
        .where('id', '=', kase.callerId)
        .executeTakeFirst()
    : undefined
  if (!caller || !kase.hotlineNumber) {
    await finishCallback(deps.db, cb.id, 'cancelled', 'no number to call back', now)
    return 'cancelled'
  }
  if (!(await claimAttempt(deps.db, cb.id, job.attempt, now))) return 'skipped'
  // The return call has started: that is what the confirmation-call limit measures.
  if (cb.purpose === 'confirmation') await finishStep(deps.db, cb.caseId, 'confirmation_call', now)
  await appendCaseEvent(deps.db, {
    caseId: cb.caseId,
    type: 'callback_attempt',
    actor: { kind: 'system' },
    at: now,
    data: { callbackId: cb.id, purpose: cb.purpose, attempt: job.attempt },
  })
  try {
    const { callSid } = await deps.telephony.createCall({
      to: caller.phone_number,
      from: kase.hotlineNumber,
      url: deps.paths.callbackAnswer(cb.id, job.attempt),
      statusCallback: deps.paths.callbackStatus(cb.id, job.attempt),
      statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
      timeoutSeconds: CALLBACK_RING_SECONDS,
      machineDetection: 'Enable',
    })
    await setAttemptCall(deps.db, cb.id, job.attempt, callSid)
    return 'dialled'
  } catch (e) {
    const definite = typeof (e as { status?: unknown }).status === 'number'
    deps.logger.warn(
      { err: coerceError(e), callbackId: cb.id, attempt: job.attempt, definite },
      'callback dial failed',
    )
    // An error answer means no call was made: count the attempt and retry with backoff. No
    // answer at all is ambiguous: wait for a status callback, or the reconciler's stale rule.
    if (!definite) return 'unknown'
    await attemptFailed(deps, cb.id, job.attempt, 'failed')
    return 'failed'
  }
}
