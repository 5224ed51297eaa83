import { setPresence } from '../agents/agents.repository.ts'
import { appendCaseEvent } from '../cases/case-events.repository.ts'
import {
  claimFirstOwner,
  findCaseById,
  findCaseWithCallersOpenCases,
} from '../cases/cases.repository.ts'
import { finishStep } from '../deadlines/case-limits.ts'
import { EMERGENCY_PRIORITY } from '../domain/dispatch.ts'
import type { Language } from '../domain/language.ts'
import type { RecordingMode } from '../domain/recording.ts'
import { NotFoundError } from '../errors.ts'
import { claimWaitingCall, findCall } from './calls.repository.ts'
import type { CallDeps } from './deps.ts'
import { conferenceNameFor } from './inbound-call.ts'
import { findOfferWithCall, moveOffer, TAKEN_WHISPER_GRACE_MS } from './offers.repository.ts'

export type TooLate = { kind: 'too_late'; reason: 'taken' | 'gone'; language: Language }

export interface Whisper {
  kind: 'whisper'
  language: Language
  reference: string
  category: string | null
  emergency: boolean
  openCases: string[]
  followUp: boolean
}

async function loadOffer(deps: CallDeps, offerId: string) {
  const found = await findOfferWithCall(deps.db, offerId)
  if (!found) throw new NotFoundError('offer', offerId)
  return { ...found, language: found.call.language ?? deps.config.defaultLanguage }
}

/** The agent picked up: tell them what the call is about before they accept. */
export async function agentAnswered(deps: CallDeps, offerId: string): Promise<Whisper | TooLate> {
  const { offer, call, language } = await loadOffer(deps, offerId)
  if (call.queueState !== 'waiting') {
    await moveOffer(
      deps.db,
      offer.id,
      ['dialing', 'ringing', 'answered'],
      call.queueState === 'connected' ? 'taken' : 'caller_gone',
      deps.clock.now(),
    )
    return {
      kind: 'too_late',
      reason: call.queueState === 'connected' ? 'taken' : 'gone',
      language,
    }
  }
  await moveOffer(deps.db, offer.id, ['dialing', 'ringing'], 'answered', deps.clock.now())
  const { kase, open } = call.caseId
    ? await findCaseWithCallersOpenCases(deps.db, call.caseId, call.callerId)
    : { kase: undefined, open: [] }
  if (!kase) throw new NotFoundError('case of call', call.callSid)
  return {
    kind: 'whisper',
    language,
    reference: kase.reference,
    category: (language === 'zh-CN' ? kase.categoryNameZh : kase.categoryNameEn) ?? null,
    emergency: call.priority >= EMERGENCY_PRIORITY,
    openCases: open.filter((c) => c.id !== kase.id).map((c) => c.reference),
    followUp: kase.firstOwnerId !== null,
  }
}

export type AcceptOutcome =
  | {
      kind: 'connected'
      language: Language
      conferenceName: string
      reference: string
      /** This press won the call (false for Twilio's retry of the winner's webhook). */
      won: boolean
      /** The hotline's recording setting: the agent's joining starts the recorded conference. */
      recording: RecordingMode
    }
  | { kind: 'declined'; language: Language }
  | TooLate

/**
 * The agent pressed a key at the whisper. On 1 the call goes to whoever claims it first: the
 * claim is one conditional UPDATE, so of many agents pressing 1 at once exactly one wins; if the
 * case had no owner yet, that agent becomes its first owner in the same transaction.
 */
export async function agentPressed(
  deps: CallDeps,
  offerId: string,
  digits: string | undefined,
): Promise<AcceptOutcome> {
  const { offer, call, language } = await loadOffer(deps, offerId)
  const at = deps.clock.now()
  if (digits?.startsWith('1') !== true) {
    const moved = await moveOffer(
      deps.db,
      offer.id,
      ['dialing', 'ringing', 'answered'],
      digits ? 'declined' : 'no_answer',
      at,
    )
    if (moved) await deps.triggers.dispatch(`declined-${offer.id}`)
    return { kind: 'declined', language }
  }
  // The offer must still be live (not already rung out, declined or released) and the caller
  // still waiting; both moves commit together or not at all. A loser's offer ends in the same
  // transaction that finds the call taken: the loser is told here, so the dispatcher, whose
  // release pass skips offers locked or ended, never redirects or cancels a leg already told.
  const decided = await deps.db.transaction().execute(async (trx) => {
    if (!(await moveOffer(trx, offer.id, ['dialing', 'ringing', 'answered'], 'accepted', at))) {
      return 'not_live' as const
    }
    if (!(await claimWaitingCall(trx, call.callSid, offer.agentId, at))) {
      const latest = await findCall(trx, call.callSid)
      const taken = latest?.queueState === 'connected'
      await moveOffer(trx, offer.id, ['accepted'], taken ? 'taken' : 'caller_gone', at)
      return taken ? ('taken' as const) : ('gone' as const)
    }
    const caseId = call.caseId
    if (!caseId) throw new NotFoundError('case of call', call.callSid)
    const firstOwner = await claimFirstOwner(trx, caseId, offer.agentId, at)
    // Answered means dispatched to its owner: the dispatch clock stops here.
    if (firstOwner) await finishStep(trx, caseId, 'dispatch', at)
    await appendCaseEvent(trx, {
      caseId,
      type: firstOwner ? 'first_owner_claimed' : 'call_answered',
      actor: { kind: 'agent', agentId: offer.agentId },
      at,
      callSid: call.callSid,
      data: { offerId: offer.id, wave: offer.wave },
    })
    await setPresence(trx, offer.agentId, 'busy', at)
    return 'won' as const
  })
  if (decided === 'taken' || decided === 'gone') {
    return { kind: 'too_late', reason: decided, language }
  }
  const kase = call.caseId ? await findCaseById(deps.db, call.caseId) : undefined
  if (decided === 'won') {
    // Once per answered call (the winner's retried webhook lands in the branch below).
    if (call.enqueuedAt)
      deps.metrics.queueWait.observe(
        { priority: call.priority > 0 ? 'emergency' : 'normal' },
        Math.max(0, at.getTime() - call.enqueuedAt.getTime()) / 1000,
      )
    await deps.triggers.dispatch(`claimed-${call.callSid}`)
    // Colleagues still at the whisper once the grace is over hear that the call was taken.
    await deps.triggers.dispatch(`claimed-${call.callSid}-whisper`, TAKEN_WHISPER_GRACE_MS + 250)
  } else {
    // A retried webhook from the winner must get the same answer, not "taken".
    const again = await findOfferWithCall(deps.db, offer.id)
    if (again?.offer.status !== 'accepted' || again.call.answeredByAgentId !== offer.agentId) {
      return {
        kind: 'too_late',
        reason: again?.call.queueState === 'connected' ? 'taken' : 'gone',
        language,
      }
    }
  }
  const hotline = call.hotlineNumber ? await deps.directory.hotline(call.hotlineNumber) : undefined
  return {
    kind: 'connected',
    language,
    conferenceName: conferenceNameFor(call.callSid),
    reference: kase?.reference ?? '',
    won: decided === 'won',
    recording: hotline?.recording ?? 'off',
  }
}

/** The language of the call an offer was for: what a released agent is told in. */
export async function offerLanguage(deps: CallDeps, offerId: string): Promise<Language> {
  return (await loadOffer(deps, offerId)).language
}
