import type { Agent } from '../agents/agents.repository.ts'
import type { CallbackDeps } from '../callbacks/deps.ts'
import type { Actor } from '../cases/case-events.repository.ts'
import { appendCaseEvent } from '../cases/case-events.repository.ts'
import { AppError, coerceError, NotFoundError } from '../errors.ts'
import { presentIn, recordLeave } from './conference-presence.ts'
import { endUnreached, returnCaller } from './transfer-back.ts'
import { completeBridgedOfLeg } from './transfer-end.ts'
import type { Transfer } from './transfers.repository.ts'
import {
  findLiveTransferOfCall,
  findTransfer,
  findTransfersOfLeg,
  LIVE_TRANSFER,
  markAgentLeft,
  moveTransfer,
} from './transfers.repository.ts'

/**
 * What happens around a transfer besides the department's own leg: the agent bridging the
 * caller in or cancelling, the caller hanging up, the agent leaving, and the conference left
 * with the caller alone in it. Twilio's conference flags alone cannot get these right (see
 * start-transfer.ts), so the app decides.
 */

const SUPERVISING = ['supervisor', 'manager', 'admin']

async function conferenceOf(deps: CallbackDeps, callSid: string): Promise<string | null> {
  const r = await deps.db
    .selectFrom('calls')
    .select('conference_sid')
    .where('call_sid', '=', callSid)
    .executeTakeFirst()
  return r?.conference_sid ?? null
}

async function transferFor(deps: CallbackDeps, agent: Agent, id: string): Promise<Transfer> {
  const t = await findTransfer(deps.db, id)
  if (!t) throw new NotFoundError('transfer', id)
  const allowed =
    t.requestedBy === agent.id || t.firstOwnerId === agent.id || SUPERVISING.includes(agent.role)
  if (!allowed) {
    throw new AppError('forbidden', `agent ${agent.jobNumber} did not start transfer ${id}`)
  }
  return t
}

/** Takes the caller off hold into the room with the department: the hand-off is done. */
async function bridge(deps: CallbackDeps, t: Transfer, actor: Actor): Promise<boolean> {
  const at = deps.clock.now()
  const moved = await deps.db.transaction().execute(async (trx) => {
    if (!(await moveTransfer(trx, t.id, ['consulting'], 'bridged', at))) return false
    await appendCaseEvent(trx, {
      caseId: t.caseId,
      type: 'transfer_bridged',
      actor,
      at,
      callSid: t.callSid,
      data: { transferId: t.id, automatic: actor.kind === 'system' },
    })
    return true
  })
  if (!moved) return false
  const conf = await conferenceOf(deps, t.callSid)
  if (conf) {
    await deps.telephony.updateParticipant(conf, t.callSid, { hold: false })
    // Off hold, the caller's flag is honoured again: their hanging up ends the call for all.
    await deps.telephony.updateParticipant(conf, t.callSid, { endConferenceOnExit: true })
  }
  return true
}

export async function bridgeTransfer(
  deps: CallbackDeps,
  agent: Agent,
  id: string,
): Promise<Transfer> {
  const t = await transferFor(deps, agent, id)
  if (!(await bridge(deps, t, { kind: 'agent', agentId: agent.id }))) {
    const now = await findTransfer(deps.db, id)
    // A retried bridge after the call ended finds it completed: that is the same success.
    if (now?.status !== 'bridged' && now?.status !== 'completed') {
      throw new AppError(
        'invalid_state',
        `transfer ${id} is ${now?.status ?? t.status}; the caller can be brought in once the department has accepted`,
      )
    }
  }
  return (await findTransfer(deps.db, id)) ?? t
}

async function hangUpDepartment(deps: CallbackDeps, t: Transfer): Promise<void> {
  if (!t.legCallSid) return
  const ringing = t.status === 'dialing' || t.status === 'ringing'
  await deps.telephony
    .endCall(t.legCallSid, ringing ? 'canceled' : 'completed')
    .catch(async () => {
      // It was answered between our read and the request: hang it up instead.
      if (ringing) await deps.telephony.endCall(t.legCallSid ?? '', 'completed')
    })
    .catch((e: unknown) =>
      deps.logger.warn({ err: coerceError(e), transferId: t.id }, 'department leg not ended'),
    )
}

/** The agent calls it off: the department's phone stops ringing, the caller comes back. */
export async function cancelTransfer(
  deps: CallbackDeps,
  agent: Agent,
  id: string,
): Promise<Transfer> {
  const t = await transferFor(deps, agent, id)
  if (!(await endUnreached(deps, id, 'cancelled', { kind: 'agent', agentId: agent.id }))) {
    throw new AppError('invalid_state', `transfer ${id} is ${t.status}; there is nothing to cancel`)
  }
  await hangUpDepartment(deps, t)
  await returnCaller(deps, id, 'cancelled')
  return (await findTransfer(deps.db, id)) ?? t
}

/**
 * The caller hung up. A bridged transfer is over; a transfer under way stops: the department's
 * leg is cancelled (never left ringing for nobody) and the conference is ended, so the agent is
 * not left in an empty room.
 */
export async function callerLeft(deps: CallbackDeps, callSid: string): Promise<void> {
  await completeBridgedOfLeg(deps, callSid)
  const t = await findLiveTransferOfCall(deps.db, callSid)
  if (!t) return
  const at = deps.clock.now()
  const moved = await deps.db.transaction().execute(async (trx) => {
    if (!(await moveTransfer(trx, t.id, LIVE_TRANSFER, 'caller_gone', at))) return false
    await appendCaseEvent(trx, {
      caseId: t.caseId,
      type: 'transfer_caller_gone',
      actor: { kind: 'caller' },
      at,
      callSid,
      data: { transferId: t.id, wasStatus: t.status },
    })
    return true
  })
  if (!moved) return
  await hangUpDepartment(deps, t)
  const conf = await conferenceOf(deps, callSid)
  if (conf) {
    await deps.telephony
      .endConference(conf)
      .catch((e: unknown) =>
        deps.logger.warn({ err: coerceError(e), transferId: t.id }, 'conference not ended'),
      )
  }
}

/**
 * A leg joined any conference (its presence is recorded with the callback's receipt, see
 * recordParticipantJoin): the transfer rules.
 */
export async function participantJoined(deps: CallbackDeps, legSid: string): Promise<void> {
  await departmentJoined(deps, legSid)
}

/** A leg left any conference: presence, then the transfer rules. */
export async function participantLeft(
  deps: CallbackDeps,
  e: { conferenceSid: string; callSid: string; at: Date },
): Promise<void> {
  await recordLeave(deps.db, e.conferenceSid, e.callSid, e.at)
  await completeBridgedOfLeg(deps, e.callSid)
  await agentLeft(deps, e.callSid, e.at)
  await endIfCallerAlone(deps, e.conferenceSid)
}

/** The department is in the room; with no agent to hand over (cold, or the agent left), bridge. */
async function departmentJoined(deps: CallbackDeps, legSid: string): Promise<void> {
  for (const t of await findTransfersOfLeg(deps.db, legSid)) {
    if (t.legCallSid !== legSid || t.status !== 'consulting') continue
    if (t.mode === 'cold' || t.agentLeftAt !== null) {
      await bridge(deps, t, { kind: 'system' })
    }
  }
}

async function agentLeft(deps: CallbackDeps, legSid: string, at: Date): Promise<void> {
  for (const t of await findTransfersOfLeg(deps.db, legSid)) {
    if (t.agentLegSid !== legSid || !LIVE_TRANSFER.includes(t.status)) continue
    if (!(await markAgentLeft(deps.db, t.id, at))) continue
    await appendCaseEvent(deps.db, {
      caseId: t.caseId,
      type: 'transfer_agent_left',
      actor: { kind: 'agent', agentId: t.requestedBy },
      at,
      callSid: t.callSid,
      data: { transferId: t.id, status: t.status, mode: t.mode },
    })
    // The department is already in the room, accepted: the caller must not wait on hold for an
    // agent who has gone.
    if (t.status === 'consulting') await bridge(deps, t, { kind: 'system' })
  }
}

/**
 * After a transfer every flag is off (see start-transfer.ts), so Twilio would leave a caller
 * alone in a silent room once the others leave; the app ends it instead.
 */
async function endIfCallerAlone(deps: CallbackDeps, conferenceSid: string): Promise<void> {
  const caller = await deps.db
    .selectFrom('calls')
    .select(['call_sid', 'status_rank'])
    .where('conference_sid', '=', conferenceSid)
    .where('kind', '=', 'caller')
    .executeTakeFirst()
  if (!caller || caller.status_rank >= 4) return
  const hadTransfer = await deps.db
    .selectFrom('transfers')
    .select('id')
    .where('call_sid', '=', caller.call_sid)
    .executeTakeFirst()
  if (!hadTransfer || (await findLiveTransferOfCall(deps.db, caller.call_sid))) return
  const present = await presentIn(deps.db, conferenceSid)
  if (present.length === 1 && present[0] === caller.call_sid) {
    await deps.telephony.endConference(conferenceSid)
  }
}
