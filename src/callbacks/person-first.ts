import { appendCaseEvent } from '../cases/case-events.repository.ts'
import { findCaseById } from '../cases/cases.repository.ts'
import { finishStep } from '../deadlines/case-limits.ts'
import type { Language } from '../domain/language.ts'
import { attemptFailed } from './after-attempt.ts'
import type { CallbackPurpose } from './callbacks.repository.ts'
import {
  findCallback,
  finishCallback,
  markAttemptAnswered,
  settleAttempt,
} from './callbacks.repository.ts'
import type { CallbackDeps } from './deps.ts'
import { callerNumber } from './dialer.ts'

/**
 * Return calls where a person must speak (a promised reply, an unanswered call): the person is
 * rung first and the caller is dialled only once they press 1, so a caller never picks up to
 * silence or a queue. A person who does not take it is retried and, past the attempts,
 * escalated to the supervisor (after-attempt.ts); nothing is dropped.
 */
async function context(deps: CallbackDeps, callbackId: string, attempt: number) {
  const cb = await findCallback(deps.db, callbackId)
  if (!cb || cb.attempt !== attempt || cb.status !== 'dialing' || cb.purpose === 'confirmation')
    return undefined
  const kase = await findCaseById(deps.db, cb.caseId)
  if (!kase) return undefined
  const hotline = kase.hotlineNumber ? await deps.directory.hotline(kase.hotlineNumber) : undefined
  return { cb, kase, language: hotline?.language ?? deps.config.defaultLanguage }
}

export type PersonAnswer =
  | {
      kind: 'whisper'
      language: Language
      reference: string
      purpose: Exclude<CallbackPurpose, 'confirmation'>
    }
  | { kind: 'hangup' }

export async function personAnswered(
  deps: CallbackDeps,
  callbackId: string,
  attempt: number,
): Promise<PersonAnswer> {
  const c = await context(deps, callbackId, attempt)
  if (!c || c.cb.purpose === 'confirmation') return { kind: 'hangup' }
  await markAttemptAnswered(deps.db, callbackId, attempt, deps.clock.now())
  return {
    kind: 'whisper',
    language: c.language,
    reference: c.kase.reference,
    purpose: c.cb.purpose,
  }
}

export type PersonChoice =
  | { kind: 'dial'; language: Language; callerNumber: string; callerId: string }
  | { kind: 'later'; language: Language }
  | { kind: 'hangup' }

export async function personPressed(
  deps: CallbackDeps,
  callbackId: string,
  attempt: number,
  digits: string | undefined,
): Promise<PersonChoice> {
  const c = await context(deps, callbackId, attempt)
  if (!c) return { kind: 'hangup' }
  const number = await callerNumber(deps, c.kase)
  if (digits?.startsWith('1') && number && c.kase.hotlineNumber) {
    return {
      kind: 'dial',
      language: c.language,
      callerNumber: number,
      callerId: c.kase.hotlineNumber,
    }
  }
  await attemptFailed(deps, callbackId, attempt, 'no_input')
  return { kind: 'later', language: c.language }
}

/** The <Dial> to the caller ended: they talked (done) or did not answer (try again later). */
export async function callerDialEnded(
  deps: CallbackDeps,
  callbackId: string,
  attempt: number,
  dialCallStatus: string,
): Promise<{ reached: boolean; language: Language } | undefined> {
  const c = await context(deps, callbackId, attempt)
  if (!c) return undefined
  const at = deps.clock.now()
  if (dialCallStatus !== 'completed') {
    await attemptFailed(deps, callbackId, attempt, 'caller_unreached')
    return { reached: false, language: c.language }
  }
  const settled = await deps.db.transaction().execute(async (trx) => {
    if (!(await settleAttempt(trx, callbackId, attempt, 'bridged', at))) return false
    await finishCallback(trx, callbackId, 'done', 'bridged', at)
    // The department called the caller back: its own answer clock (department_answer) is met.
    if (c.cb.purpose === 'department_callback') {
      const row = await trx
        .selectFrom('callbacks')
        .select('department_id')
        .where('id', '=', callbackId)
        .executeTakeFirst()
      await finishStep(trx, c.kase.id, 'department_answer', at, row?.department_id ?? undefined)
    }
    if (c.cb.purpose === 'unanswered_inbound') {
      await trx
        .updateTable('cases')
        .set({ needs_return_call: false, updated_at: at })
        .where('id', '=', c.kase.id)
        .execute()
    }
    await appendCaseEvent(trx, {
      caseId: c.kase.id,
      type: 'return_call_made',
      actor: { kind: 'system' },
      at,
      data: { callbackId, purpose: c.cb.purpose, attempt },
    })
    return true
  })
  if (settled) deps.metrics.callbackOutcomes.inc({ outcome: 'bridged' })
  return { reached: true, language: c.language }
}
