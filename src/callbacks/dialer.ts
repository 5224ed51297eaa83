import { agentAddress, findAgentById } from '../agents/agents.repository.ts'
import { appendCaseEvent } from '../cases/case-events.repository.ts'
import type { CaseSummary } from '../cases/cases.repository.ts'
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

/**
 * Purposes this engine dials. A department callback waits for the department directory (the
 * transfer issue): its rows stay pending in Postgres until then.
 */
export const DIALLED_PURPOSES: readonly CallbackPurpose[] = [
  'confirmation',
  'promised_reply',
  'unanswered_inbound',
]

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
  const target = kase ? await targetOf(deps, cb.purpose, kase) : { cancel: 'case is gone' }
  if (!kase || 'cancel' in target) {
    await finishCallback(
      deps.db,
      cb.id,
      'cancelled',
      'cancel' in target ? target.cancel : 'case is gone',
      now,
    )
    return 'cancelled'
  }
  // Claim, clock and event in one transaction: one commit before the call, not three.
  const claimed = await deps.db.transaction().execute(async (trx) => {
    if (!(await claimAttempt(trx, cb.id, job.attempt, now))) return false
    // The return call has started: that is what the confirmation-call limit measures.
    if (cb.purpose === 'confirmation') await finishStep(trx, cb.caseId, 'confirmation_call', now)
    await appendCaseEvent(trx, {
      caseId: cb.caseId,
      type: 'callback_attempt',
      actor: { kind: 'system' },
      at: now,
      data: { callbackId: cb.id, purpose: cb.purpose, attempt: job.attempt },
    })
    return true
  })
  if (!claimed) return 'skipped'
  try {
    // The caller is rung directly only for a confirmation; otherwise the person who must speak
    // is rung first, and dials the caller once they accept (see person-first.ts).
    const { callSid } = await deps.telephony.createCall({
      to: target.address,
      from: target.from,
      url: target.personFirst
        ? deps.paths.callbackPerson(cb.id, job.attempt)
        : deps.paths.callbackAnswer(cb.id, job.attempt),
      statusCallback: deps.paths.callbackStatus(cb.id, job.attempt),
      statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
      timeoutSeconds: CALLBACK_RING_SECONDS,
      ...(target.personFirst ? {} : { machineDetection: 'Enable' as const }),
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

type Target = { cancel: string } | { address: string; from: string; personFirst: boolean }

/** Who the attempt rings: the caller (confirmation) or the person who owes them the call. */
async function targetOf(
  deps: CallbackDeps,
  purpose: CallbackPurpose,
  kase: CaseSummary,
): Promise<Target> {
  if (!kase.hotlineNumber) return { cancel: 'no hotline to call from' }
  if (['closed', 'referred_external', 'declined'].includes(kase.status))
    return { cancel: `case is ${kase.status}` }
  if (purpose === 'confirmation') {
    if (kase.status !== 'awaiting_confirmation') return { cancel: `case is ${kase.status}` }
    const caller = await callerNumber(deps, kase)
    return caller
      ? { address: caller, from: kase.hotlineNumber, personFirst: false }
      : { cancel: 'no number to call back' }
  }
  if (!(await callerNumber(deps, kase))) return { cancel: 'no number to call back' }
  const owner = kase.firstOwnerId ? await findAgentById(deps.db, kase.firstOwnerId) : undefined
  if (!owner) return { cancel: 'nobody owns the case to make the call' }
  return { address: agentAddress(owner), from: kase.hotlineNumber, personFirst: true }
}

export async function callerNumber(
  deps: Pick<CallbackDeps, 'db'>,
  kase: CaseSummary,
): Promise<string | undefined> {
  if (!kase.callerId) return undefined
  const r = await deps.db
    .selectFrom('callers')
    .select('phone_number')
    .where('id', '=', kase.callerId)
    .executeTakeFirst()
  return r?.phone_number
}
