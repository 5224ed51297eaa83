import { setPresence } from '../agents/agents.repository.ts'
import { appendCaseEvent } from '../cases/case-events.repository.ts'
import type { OfferStatus } from '../db/schema.ts'
import type { CallStatus } from '../domain/call-status.ts'
import { isTerminal } from '../domain/call-status.ts'
import { NotFoundError } from '../errors.ts'
import { applyStatusCallback, findCall, moveQueueState } from './calls.repository.ts'
import type { CallDeps } from './deps.ts'
import { findOffer, moveOffer, setOfferLeg } from './offers.repository.ts'
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
 * still owned and a return call is owed.
 */
export async function applyCallerStatus(deps: CallDeps, s: StatusInput): Promise<StatusResult> {
  const at = deps.clock.now()
  const call = await findCall(deps.db, s.callSid)
  if (!call) return 'unknown_call'
  const result = await deps.db.transaction().execute(async (trx) => {
    const applied = await applyStatusCallback(trx, { ...s, at })
    if (applied !== 'applied' || !isTerminal(s.status)) return applied
    if (await moveQueueState(trx, call.callSid, ['waiting'], 'abandoned', at)) {
      if (call.caseId) {
        await appendCaseEvent(trx, {
          caseId: call.caseId,
          type: 'call_abandoned',
          actor: { kind: 'caller' },
          at,
          callSid: call.callSid,
          data: {
            waitedSeconds: call.enqueuedAt
              ? Math.round((at.getTime() - call.enqueuedAt.getTime()) / 1000)
              : null,
          },
        })
        await oweReturnCall(trx, {
          caseId: call.caseId,
          callSid: call.callSid,
          hotlineNumber: call.hotlineNumber,
          reason: 'abandoned',
          at,
        })
      }
    } else {
      await moveQueueState(trx, call.callSid, ['ivr', 'connected', 'voicemail'], 'ended', at)
    }
    return applied
  })
  if (result === 'applied' && isTerminal(s.status))
    await deps.triggers.dispatch(`caller-end-${s.callSid}`)
  return result
}

const OFFER_END: Partial<Record<CallStatus, OfferStatus>> = {
  'no-answer': 'no_answer',
  busy: 'busy',
  failed: 'failed',
  canceled: 'cancelled',
  completed: 'declined', // hung up at the whisper without pressing a key
}

/** An agent leg changed status: a ring that ended unanswered frees the caller for the next wave. */
export async function applyAgentLegStatus(
  deps: CallDeps,
  offerId: string,
  s: StatusInput,
): Promise<StatusResult> {
  const at = deps.clock.now()
  const offer = await findOffer(deps.db, offerId)
  if (!offer) throw new NotFoundError('offer', offerId)
  const parent = await findCall(deps.db, offer.callSid)
  await setOfferLeg(deps.db, offer.id, s.callSid)
  await deps.db
    .insertInto('calls')
    .values({
      call_sid: s.callSid,
      direction: 'outbound',
      kind: 'agent_offer',
      parent_call_sid: offer.callSid,
      case_id: offer.caseId,
      agent_id: offer.agentId,
      hotline_number: parent?.hotlineNumber ?? null,
      from_number: null,
      to_number: null,
      caller_id: null,
      caller_name: null,
      from_city: null,
      from_state: null,
      from_country: null,
      language: parent?.language ?? null,
      preferred_agent_id: null,
      enqueued_at: null,
      answered_by_agent_id: null,
      answered_at: null,
      ended_at: null,
      duration_seconds: null,
      conference_name: null,
      conference_sid: null,
    })
    .onConflict((oc) => oc.column('call_sid').doNothing())
    .execute()
  const result = await applyStatusCallback(deps.db, { ...s, at })
  if (result !== 'applied') return result
  if (s.status === 'ringing') await moveOffer(deps.db, offer.id, ['dialing'], 'ringing', at)
  if (!isTerminal(s.status)) return result
  const end = OFFER_END[s.status]
  if (end && (await moveOffer(deps.db, offer.id, ['dialing', 'ringing', 'answered'], end, at))) {
    await deps.triggers.dispatch(`leg-end-${s.callSid}`)
  }
  const latest = await findOffer(deps.db, offer.id)
  if (latest?.status === 'accepted') {
    // The agent's call is over: back to available, unless they changed presence meanwhile.
    const agentBusySince = await deps.db
      .selectFrom('agents')
      .select('presence_changed_at')
      .where('id', '=', offer.agentId)
      .executeTakeFirst()
    const claimedAt =
      parent?.answeredByAgentId === offer.agentId ? await claimTime(deps, offer.callSid) : null
    if (
      agentBusySince &&
      claimedAt &&
      agentBusySince.presence_changed_at.getTime() === claimedAt.getTime()
    ) {
      await setPresence(deps.db, offer.agentId, 'available', at, {
        presence: 'busy',
        changedAt: claimedAt,
      })
      await deps.triggers.dispatch(`agent-free-${s.callSid}`)
    }
  }
  return result
}

async function claimTime(deps: CallDeps, callSid: string): Promise<Date | null> {
  const r = await deps.db
    .selectFrom('calls')
    .select('answered_at')
    .where('call_sid', '=', callSid)
    .executeTakeFirst()
  return r?.answered_at ?? null
}
