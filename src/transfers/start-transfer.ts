import { randomUUID } from 'node:crypto'

import type { Agent } from '../agents/agents.repository.ts'
import type { CallbackDeps } from '../callbacks/deps.ts'
import { appendCaseEvent } from '../cases/case-events.repository.ts'
import { assertCaseTakesWork, lockCaseForWork } from '../cases/case-work-guard.ts'
import type { CaseSummary } from '../cases/cases.repository.ts'
import { findCaseByReference } from '../cases/cases.repository.ts'
import { type Department, findDepartment } from '../directory/departments.repository.ts'
import { departmentOpen, dutyAddress, nextOnDuty } from '../domain/department-duty.ts'
import { AppError, coerceError, NotFoundError } from '../errors.ts'
import { returnCaller } from './transfer-back.ts'
import type { Transfer } from './transfers.repository.ts'
import {
  findTransfer,
  insertTransfer,
  moveTransfer,
  peopleTriedOnCall,
  setTransferLeg,
} from './transfers.repository.ts'

const SUPERVISING = ['supervisor', 'manager', 'admin']

export interface TransferRequest {
  department: string
  mode: 'warm' | 'cold'
  /** A particular on-duty person; by default the next one by rank not yet tried on this call. */
  personId?: number
  /** What the owner asks the department: said to them before they accept. */
  note?: string
}

export interface LiveCall {
  callSid: string
  conferenceSid: string
  hotlineNumber: string
  /** The leg of the agent who has the caller now (owner or colleague). */
  agentLegSid: string
  agentId: number
}

/** The caller's live leg of this case, in a running conference, with the agent who has it. */
export async function liveCallOf(deps: CallbackDeps, kase: CaseSummary): Promise<LiveCall> {
  const r = await deps.db
    .selectFrom('calls as c')
    .innerJoin('agent_offers as o', (j) =>
      j
        .onRef('o.call_sid', '=', 'c.call_sid')
        .onRef('o.agent_id', '=', 'c.answered_by_agent_id')
        .on('o.status', '=', 'accepted'),
    )
    .innerJoin('calls as leg', 'leg.call_sid', 'o.leg_call_sid')
    .select([
      'c.call_sid',
      'c.conference_sid',
      'c.hotline_number',
      'o.leg_call_sid',
      'o.agent_id',
      'leg.status_rank as leg_rank',
    ])
    .where('c.case_id', '=', kase.id)
    .where('c.kind', '=', 'caller')
    .where('c.queue_state', '=', 'connected')
    .where('c.status_rank', '<', 4)
    // A caller put back in the queue may be taken again by the same agent: the newest offer counts.
    .orderBy('o.created_at', 'desc')
    .executeTakeFirst()
  if (!r?.conference_sid || !r.hotline_number || !r.leg_call_sid || r.leg_rank >= 4) {
    throw new AppError(
      'invalid_state',
      `case ${kase.reference} has no live call with an agent on it; ` +
        'hand it to the department as a department callback instead',
    )
  }
  return {
    callSid: r.call_sid,
    conferenceSid: r.conference_sid,
    hotlineNumber: r.hotline_number,
    agentLegSid: r.leg_call_sid,
    agentId: r.agent_id,
  }
}

/** A department that is active, open now, with someone on duty who has not been tried yet. */
async function targetOf(
  deps: CallbackDeps,
  code: string,
  callSid: string | null,
  personId?: number,
) {
  const dept = await findDepartment(deps.db, { code })
  if (!dept) throw new NotFoundError('department', code)
  if (!dept.active) throw new AppError('invalid_state', `department ${code} is not active`)
  const tried = callSid ? await peopleTriedOnCall(deps.db, callSid, dept.id) : []
  const person = nextOnDuty(dept.people, tried, personId)
  if (!person) {
    throw new AppError(
      'invalid_state',
      personId === undefined
        ? `nobody is on duty in department ${code}; hand it over as a department callback`
        : `person ${personId} is not on duty in department ${code}`,
    )
  }
  return { dept, person }
}

export function assertDepartmentOpen(deps: CallbackDeps, dept: Department, at: Date): void {
  if (!departmentOpen(dept, at, deps.config.timeZone, deps.calendar)) {
    const days = dept.serviceDays === 'working' ? 'on working days' : 'every day'
    throw new AppError(
      'invalid_state',
      `department ${dept.code} takes calls ${dept.serviceHours} ${days}; ` +
        'hand it over as a department callback instead',
    )
  }
}

/**
 * Starts a transfer from a live call. Only the agent on the call, or a supervisor, may. The
 * conference flags are set before anyone is held (Twilio ignores endConferenceOnExit changes
 * for a held participant), so neither the caller hanging up nor the agent leaving can end the
 * conference by accident while the department is being reached.
 */
export async function startTransfer(
  deps: CallbackDeps,
  agent: Agent,
  reference: string,
  req: TransferRequest,
): Promise<Transfer> {
  const kase = await findCaseByReference(deps.db, reference)
  if (!kase) throw new NotFoundError('case', reference)
  assertCaseTakesWork(kase, 'a transfer')
  const live = await liveCallOf(deps, kase)
  if (live.agentId !== agent.id && !SUPERVISING.includes(agent.role)) {
    throw new AppError(
      'forbidden',
      `agent ${agent.jobNumber} is not on the call of case ${reference}; only they or a supervisor can transfer it`,
    )
  }
  const { dept, person } = await targetOf(deps, req.department, live.callSid, req.personId)
  const at = deps.clock.now()
  assertDepartmentOpen(deps, dept, at)
  const id = randomUUID()
  await deps.db.transaction().execute(async (trx) => {
    await lockCaseForWork(trx, kase, 'a transfer')
    const inserted = await insertTransfer(trx, {
      id,
      case_id: kase.id,
      call_sid: live.callSid,
      mode: req.mode,
      department_id: dept.id,
      person_id: person.id,
      leg_call_sid: null,
      requested_by: agent.id,
      first_owner_id: kase.firstOwnerId,
      agent_leg_sid: live.agentLegSid,
      agent_left_at: null,
      note: req.note ?? null,
      created_at: at,
      answered_at: null,
      accepted_at: null,
      bridged_at: null,
      ended_at: null,
    })
    if (!inserted) {
      throw new AppError('conflict', `a transfer of case ${reference} is already under way`)
    }
    await appendCaseEvent(trx, {
      caseId: kase.id,
      type: 'transfer_started',
      actor: { kind: 'agent', agentId: agent.id },
      at,
      callSid: live.callSid,
      data: {
        transferId: id,
        mode: req.mode,
        department: dept.code,
        personId: person.id,
        personName: person.name,
        note: req.note ?? null,
      },
    })
  })
  try {
    const t = deps.telephony
    await t.updateParticipant(live.conferenceSid, live.agentLegSid, { endConferenceOnExit: false })
    await t.updateParticipant(live.conferenceSid, live.callSid, { endConferenceOnExit: false })
    await t.updateParticipant(live.conferenceSid, live.callSid, {
      hold: true,
      holdUrl: deps.paths.transferHold(id),
    })
    const { callSid: legSid } = await t.createCall({
      to: dutyAddress(person),
      from: live.hotlineNumber,
      url: deps.paths.transferAnswer(id),
      statusCallback: deps.paths.transferStatus(id),
      statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
      timeoutSeconds: deps.config.voice.transferRingSeconds,
    })
    await setTransferLeg(deps.db, id, legSid)
    // A cold transfer: the agent hands over without a briefing and leaves at once.
    if (req.mode === 'cold') await t.endCall(live.agentLegSid, 'completed')
  } catch (e) {
    deps.logger.warn({ err: coerceError(e), transferId: id }, 'transfer could not be started')
    if (await moveTransfer(deps.db, id, ['dialing'], 'failed', deps.clock.now())) {
      await returnCaller(deps, id, 'failed')
    }
    throw new AppError(
      'unavailable',
      'the department could not be dialled; the caller is back with you',
      {
        cause: e,
      },
    )
  }
  const saved = await findTransfer(deps.db, id)
  if (!saved) throw new NotFoundError('transfer', id)
  return saved
}
