import { agentAddress, findAgentById } from '../agents/agents.repository.ts'
import { appendCaseEvent } from '../cases/case-events.repository.ts'
import { findCaseById } from '../cases/cases.repository.ts'
import type { Language } from '../domain/language.ts'
import { attemptFailed } from './after-attempt.ts'
import {
  findCallback,
  finishCallback,
  markAttemptAnswered,
  setAttemptRating,
  settleAttempt,
} from './callbacks.repository.ts'
import { applyCallerVerdict } from './closure.ts'
import type { CallbackDeps } from './deps.ts'

export type AnswerOutcome =
  | {
      kind: 'script'
      language: Language
      orgName: string
      reference: string
      ownerJobNumber: string | null
      summary: string | null
    }
  | { kind: 'hangup' }

async function context(deps: CallbackDeps, callbackId: string, attempt: number) {
  const cb = await findCallback(deps.db, callbackId)
  if (!cb || cb.attempt !== attempt || cb.status !== 'dialing') return undefined
  const kase = await findCaseById(deps.db, cb.caseId)
  if (!kase) return undefined
  const hotline = kase.hotlineNumber ? await deps.directory.hotline(kase.hotlineNumber) : undefined
  return { cb, kase, hotline, language: hotline?.language ?? deps.config.defaultLanguage }
}

/** The caller's phone answered. A machine gets nothing (retried later); a person hears the script. */
export async function callbackAnswered(
  deps: CallbackDeps,
  callbackId: string,
  attempt: number,
  answeredBy: string | undefined,
): Promise<AnswerOutcome> {
  const c = await context(deps, callbackId, attempt)
  if (!c) return { kind: 'hangup' }
  if (answeredBy && (answeredBy.startsWith('machine') || answeredBy === 'fax')) {
    await attemptFailed(deps, callbackId, attempt, 'machine')
    return { kind: 'hangup' }
  }
  await markAttemptAnswered(deps.db, callbackId, attempt, deps.clock.now())
  return {
    kind: 'script',
    language: c.language,
    orgName: c.hotline?.name ?? '',
    reference: c.kase.reference,
    ownerJobNumber: c.kase.firstOwnerJobNumber,
    summary: c.kase.resolutionSummary,
  }
}

export type KeyOutcome =
  | { kind: 'closed'; language: Language }
  | { kind: 'reopened'; language: Language }
  | { kind: 'talk'; language: Language; ownerAddress: string | null; callerId: string | null }
  | { kind: 'again'; prompts: number }
  | { kind: 'no_input'; language: Language }
  | { kind: 'hangup' }

/** 1 = solved (closed), 2 = not solved (rework), 0 = talk to the owner now. */
export async function confirmationKey(
  deps: CallbackDeps,
  callbackId: string,
  attempt: number,
  digits: string | undefined,
  prompts: number,
): Promise<KeyOutcome> {
  const c = await context(deps, callbackId, attempt)
  if (!c) return { kind: 'hangup' }
  const key = digits?.slice(0, 1)
  const at = deps.clock.now()
  if (key === '1' || key === '2') {
    const solved = key === '1'
    const outcome = solved ? 'confirmed' : 'rework'
    let settled = false
    const done = await deps.db.transaction().execute(async (trx) => {
      if (!(await settleAttempt(trx, callbackId, attempt, outcome, at))) return false
      settled = true
      await finishCallback(trx, callbackId, 'done', outcome, at)
      return applyCallerVerdict(deps, trx, { caseId: c.cb.caseId, solved, via: 'call' })
    })
    // Counted once committed: a retried key press settles nothing the second time.
    if (settled) deps.metrics.callbackOutcomes.inc({ outcome })
    if (!done) return { kind: 'hangup' }
    return solved
      ? { kind: 'closed', language: c.language }
      : { kind: 'reopened', language: c.language }
  }
  if (key === '0') {
    const owner = c.kase.firstOwnerId
      ? await findAgentById(deps.db, c.kase.firstOwnerId)
      : undefined
    // Talking to the owner is not a confirmation: the call back comes again later.
    await attemptFailed(deps, callbackId, attempt, 'talk_to_owner')
    return {
      kind: 'talk',
      language: c.language,
      ownerAddress: owner ? agentAddress(owner) : null,
      callerId: c.kase.hotlineNumber,
    }
  }
  if (prompts < 1) return { kind: 'again', prompts: prompts + 1 }
  await attemptFailed(deps, callbackId, attempt, 'no_input')
  return { kind: 'no_input', language: c.language }
}

/** The satisfaction rating after a "solved": 1-5, kept on the attempt and the case. */
export async function ratingKey(
  deps: CallbackDeps,
  callbackId: string,
  attempt: number,
  digits: string | undefined,
): Promise<{ language: Language; rated: boolean }> {
  const cb = await findCallback(deps.db, callbackId)
  const kase = cb ? await findCaseById(deps.db, cb.caseId) : undefined
  const hotline = kase?.hotlineNumber ? await deps.directory.hotline(kase.hotlineNumber) : undefined
  const language = hotline?.language ?? deps.config.defaultLanguage
  const rating = Number(digits?.slice(0, 1))
  if (!cb || !kase || !(rating >= 1 && rating <= 5)) return { language, rated: false }
  await deps.db.transaction().execute(async (trx) => {
    await setAttemptRating(trx, callbackId, attempt, rating)
    await trx.updateTable('cases').set({ satisfaction: rating }).where('id', '=', kase.id).execute()
    await appendCaseEvent(trx, {
      caseId: kase.id,
      type: 'satisfaction_rated',
      actor: { kind: 'caller' },
      at: deps.clock.now(),
      data: { rating },
    })
  })
  return { language, rated: true }
}
