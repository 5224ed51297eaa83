import type { CallbackDeps } from '../callbacks/deps.ts'
import type { Actor } from '../cases/case-events.repository.ts'
import { appendCaseEvent } from '../cases/case-events.repository.ts'
import type { BackReason } from '../domain/transfer-prompts.ts'
import { coerceError } from '../errors.ts'
import type { TransferStatus } from './transfers.repository.ts'
import { findTransfer, LIVE_TRANSFER, moveTransfer } from './transfers.repository.ts'

const END_STATUS: Record<BackReason, TransferStatus> = {
  no_answer: 'no_answer',
  declined: 'declined',
  busy: 'busy',
  failed: 'failed',
  cancelled: 'cancelled',
}

/**
 * Ends a live transfer that did not reach the department, with its event, once: a retried or
 * reordered webhook finds it already ended and does nothing. True when this call ended it.
 */
export async function endUnreached(
  deps: CallbackDeps,
  id: string,
  why: BackReason,
  actor: Actor,
): Promise<boolean> {
  const at = deps.clock.now()
  return deps.db.transaction().execute(async (trx) => {
    const t = await findTransfer(trx, id, { forUpdate: true })
    if (!t || !(await moveTransfer(trx, id, LIVE_TRANSFER, END_STATUS[why], at))) return false
    await appendCaseEvent(trx, {
      caseId: t.caseId,
      type: why === 'cancelled' ? 'transfer_cancelled' : 'transfer_failed',
      actor,
      at,
      callSid: t.callSid,
      data: { transferId: id, reason: why, wasStatus: t.status },
    })
    return true
  })
}

/**
 * The department was not reached: the caller comes off hold, back with the agent, and both hear
 * why. If the agent has already left, the caller goes back in the queue (their first owner is
 * rung first) instead of being left alone on hold.
 */
export async function returnCaller(deps: CallbackDeps, id: string, why: BackReason): Promise<void> {
  const t = await findTransfer(deps.db, id)
  if (!t) return
  const legs = await deps.db
    .selectFrom('calls')
    .select(['call_sid', 'status_rank', 'conference_sid'])
    .where('call_sid', 'in', [t.callSid, t.agentLegSid ?? t.callSid])
    .execute()
  const caller = legs.find((l) => l.call_sid === t.callSid)
  if (!caller || caller.status_rank >= 4 || !caller.conference_sid) return
  const agentLeg = legs.find((l) => l.call_sid === t.agentLegSid)
  const agentHere = t.agentLeftAt === null && agentLeg !== undefined && agentLeg.status_rank < 4
  const conf = caller.conference_sid
  try {
    if (agentHere && t.agentLegSid) {
      await deps.telephony.updateParticipant(conf, t.callSid, {
        hold: false,
        announceUrl: deps.paths.transferAnnounce(id, 'caller', why),
      })
      // Only now, off hold, does Twilio honour the flag: the caller leaving ends the call again.
      await deps.telephony.updateParticipant(conf, t.callSid, { endConferenceOnExit: true })
      await deps.telephony.updateParticipant(conf, t.agentLegSid, {
        announceUrl: deps.paths.transferAnnounce(id, 'agent', why),
      })
      return
    }
    await requeueCaller(deps, id, conf)
  } catch (e) {
    deps.logger.error(
      { err: coerceError(e), transferId: id },
      'could not take the caller off hold after a failed transfer',
    )
  }
}

/** Back in the queue, first owner preferred: the ACD rings them first, then everyone. */
async function requeueCaller(deps: CallbackDeps, id: string, conference: string): Promise<void> {
  const t = await findTransfer(deps.db, id)
  if (!t) return
  const at = deps.clock.now()
  const moved = await deps.db.transaction().execute(async (trx) => {
    const r = await trx
      .updateTable('calls')
      .set({
        queue_state: 'waiting',
        answered_by_agent_id: null,
        answered_at: null,
        preferred_agent_id: t.firstOwnerId,
        enqueued_at: at,
        // The caller joins a fresh conference of the same name; its start sets the new SID.
        conference_sid: null,
        updated_at: at,
      })
      .where('call_sid', '=', t.callSid)
      .where('queue_state', '=', 'connected')
      .where('status_rank', '<', 4)
      .executeTakeFirst()
    if (r.numUpdatedRows !== 1n) return false
    await appendCaseEvent(trx, {
      caseId: t.caseId,
      type: 'call_requeued',
      actor: { kind: 'system' },
      at,
      callSid: t.callSid,
      data: { transferId: id, preferredAgentId: t.firstOwnerId },
    })
    return true
  })
  if (!moved) return
  try {
    await deps.telephony.redirectCall(t.callSid, deps.paths.transferRequeue(id))
  } catch (e) {
    // The caller is still in the old room, on hold. Off hold there, the colleague the queue
    // sends joins the same room by name and finds them, instead of silence.
    deps.logger.warn({ err: coerceError(e), transferId: id }, 'requeue redirect failed')
    await deps.db
      .updateTable('calls')
      .set({ conference_sid: conference })
      .where('call_sid', '=', t.callSid)
      .where('conference_sid', 'is', null)
      .execute()
    await deps.telephony.updateParticipant(conference, t.callSid, { hold: false })
  }
  await deps.triggers.dispatch(`requeued-${t.callSid}-${id}`)
}
