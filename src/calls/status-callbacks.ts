import { stepAwayAfterMissedOffers } from '../agents/missed-offers.ts'
import { startWrapUp } from '../agents/wrap-up.ts'
import { appendCaseEvent } from '../cases/case-events.repository.ts'
import type { Db } from '../db/database.ts'
import type { OfferStatus } from '../db/schema.ts'
import type { CallStatus } from '../domain/call-status.ts'
import { isTerminal } from '../domain/call-status.ts'
import { isMissedOffer } from '../domain/missed-offers.ts'
import { coerceError, NotFoundError } from '../errors.ts'
import type { CallRecord } from './calls.repository.ts'
import { applyStatusCallback, findCall, moveQueueState, returnToQueue } from './calls.repository.ts'
import type { CallDeps } from './deps.ts'
import type { Offer } from './offers.repository.ts'
import {
  findOffer,
  markAcceptedOfferEnded,
  moveOffer,
  offerJoinedAt,
  recordOfferLeg,
} from './offers.repository.ts'
import { oweReturnCall } from './return-call.ts'

export interface StatusInput {
  callSid: string
  status: CallStatus
  sequenceNumber: number
  durationSeconds: number | null
}

export type StatusResult = 'applied' | 'duplicate' | 'stale' | 'unknown_call'

/**
 * The caller's leg changed status. Hanging up while waiting is an abandoned call: the case is
 * still owned and a return call is owed. The call row is locked first, so a menu choice landing
 * at the same moment is either fully before or fully after this.
 */
export async function applyCallerStatus(deps: CallDeps, s: StatusInput): Promise<StatusResult> {
  const at = deps.clock.now()
  const result = await deps.db.transaction().execute(async (trx) => {
    const call = await findCall(trx, s.callSid, { forUpdate: true })
    if (!call) return 'unknown_call' as const
    const applied = await applyStatusCallback(trx, { ...s, at })
    if (applied !== 'applied' || !isTerminal(s.status)) return applied
    if (await moveQueueState(trx, call.callSid, ['waiting'], 'abandoned', at)) {
      await recordAbandoned(trx, call, at)
    } else {
      await moveQueueState(trx, call.callSid, ['ivr', 'connected', 'voicemail'], 'ended', at)
    }
    return applied
  })
  if (result === 'applied' && isTerminal(s.status)) {
    await deps.triggers.dispatch(`caller-end-${s.callSid}`)
  }
  return result
}

async function recordAbandoned(trx: Db, call: CallRecord, at: Date): Promise<void> {
  if (!call.caseId) return
  const waitedSeconds = call.enqueuedAt
    ? Math.round((at.getTime() - call.enqueuedAt.getTime()) / 1000)
    : null
  await appendCaseEvent(trx, {
    caseId: call.caseId,
    type: 'call_abandoned',
    actor: { kind: 'caller' },
    at,
    callSid: call.callSid,
    data: { waitedSeconds },
  })
  await oweReturnCall(trx, {
    caseId: call.caseId,
    callSid: call.callSid,
    hotlineNumber: call.hotlineNumber,
    reason: 'abandoned',
    at,
  })
}

const OFFER_END: Partial<Record<CallStatus, OfferStatus>> = {
  'no-answer': 'no_answer',
  busy: 'busy',
  failed: 'failed',
  canceled: 'cancelled',
  completed: 'declined', // hung up at the whisper without pressing a key
}

/**
 * An agent leg changed status. Its end, in one transaction: a ring that ended unanswered frees
 * the caller for the next wave; an accepted agent whose call ends gets their presence back; an
 * accepted agent who never reached the conference hands the caller back to the queue.
 */
export async function applyAgentLegStatus(
  deps: CallDeps,
  offerId: string,
  s: StatusInput,
): Promise<StatusResult> {
  const at = deps.clock.now()
  if (!isTerminal(s.status)) return applyAgentLegProgress(deps.db, offerId, s, at)
  const outcome = await deps.db.transaction().execute(async (trx) => {
    const offer = await recordOfferLeg(trx, offerId, s.callSid, at)
    if (!offer) throw new NotFoundError('offer', offerId)
    const result = await applyStatusCallback(trx, { ...s, at })
    if (result !== 'applied') return { result, redispatch: false }
    const end = OFFER_END[s.status]
    if (end && (await moveOffer(trx, offer.id, ['dialing', 'ringing', 'answered'], end, at))) {
      return { result, redispatch: true, missedBy: isMissedOffer(end) ? offer.agentId : undefined }
    }
    const latest = await findOffer(trx, offer.id)
    if (latest?.status !== 'accepted') return { result, redispatch: false }
    // The accepted offer stays 'accepted'; its end time is the agent's handle time's end.
    await markAcceptedOfferEnded(trx, offer.id, at)
    return { result, redispatch: true, wrapUp: await endAccepted(deps, trx, offer, at) }
  })
  // Before the next wave, so that it does not ring an agent who is not at their phone. Its
  // failure must not cost the caller the next wave: the offer's end is committed, and a retried
  // callback would find it applied and trigger nothing.
  if (outcome.missedBy !== undefined) {
    await stepAwayAfterMissedOffers(deps, outcome.missedBy).catch((e: unknown) =>
      deps.logger.warn(
        { err: coerceError(e), agentId: outcome.missedBy },
        'missed-offers check failed',
      ),
    )
  }
  if (outcome.redispatch) await deps.triggers.dispatch(`leg-end-${s.callSid}-${s.status}`)
  // The wrap-up ends in Postgres; this pass only makes the agent available on time, where the
  // dispatcher's beat alone could be a few seconds late.
  if (outcome.wrapUp)
    await deps.triggers.dispatch(`wrap-up-${s.callSid}`, deps.config.wrapUpSeconds * 1000 + 100)
  return outcome.result
}

/**
 * Ringing and answered (and initiated, from legs dialled before the dispatcher stopped asking
 * for it): most of the leg's callbacks, and the webhook Twilio sends most. Two statements, no
 * transaction: each is idempotent on its own and the receipt comes last, so a crash between
 * them is repaired by Twilio's retry. "dialing" and "ringing" lead to the same moves, so a lost
 * "ringing" changes nothing that follows.
 */
async function applyAgentLegProgress(
  db: Db,
  offerId: string,
  s: StatusInput,
  at: Date,
): Promise<StatusResult> {
  const ringing = s.status === 'ringing'
  if (!(await recordOfferLeg(db, offerId, s.callSid, at, { ringing }))) {
    throw new NotFoundError('offer', offerId)
  }
  return applyStatusCallback(db, { ...s, at })
}

/** The accepted agent's call is over. True when the agent went into after-call work. */
async function endAccepted(deps: CallDeps, trx: Db, offer: Offer, at: Date): Promise<boolean> {
  const caller = await findCall(trx, offer.callSid, { forUpdate: true })
  const neverJoined = (await offerJoinedAt(trx, offer.id)) === null
  if (neverJoined && caller?.caseId) {
    if (await returnToQueue(trx, offer.callSid, offer.agentId, at)) {
      await appendCaseEvent(trx, {
        caseId: caller.caseId,
        type: 'agent_dropped',
        actor: { kind: 'system' },
        at,
        callSid: offer.callSid,
        data: { agentId: offer.agentId, offerId: offer.id },
      })
    }
  }
  // After-call work, then available, unless the agent paused meanwhile. Whether the caller is
  // still "theirs" does not matter: after a transfer or a requeue the caller may be with someone
  // else, and the agent's own call is what ended. No conversation, no wrap-up.
  const seconds = neverJoined ? 0 : deps.config.wrapUpSeconds
  return (await startWrapUp(trx, offer.agentId, at, seconds, offer.id)) && seconds > 0
}
