import type { CallbackDeps } from '../callbacks/deps.ts'
import { appendCaseEvent } from '../cases/case-events.repository.ts'
import type { Transfer } from './transfers.repository.ts'
import { moveTransfer } from './transfers.repository.ts'

/**
 * The end of a bridged transfer: caller and department talked, and now the caller hung up, the
 * department left, or the conference ended. Whichever Twilio reports first ends it; the others,
 * and any retry, find it no longer bridged and change nothing (the move is guarded on 'bridged').
 */

export type BridgedEnd = 'caller_left' | 'department_left' | 'conference_ended'

/**
 * A leg is gone (its call ended or it left the room): the bridged transfers it was part of end,
 * as the caller's call or as the department's leg.
 */
export async function completeBridgedOfLeg(deps: CallbackDeps, legSid: string): Promise<void> {
  const rows = await deps.db
    .selectFrom('transfers')
    .select(['id', 'case_id', 'call_sid'])
    .where('status', '=', 'bridged')
    .where((eb) => eb.or([eb('call_sid', '=', legSid), eb('leg_call_sid', '=', legSid)]))
    .execute()
  for (const r of rows) {
    const why = r.call_sid === legSid ? 'caller_left' : 'department_left'
    await complete(deps, { id: r.id, caseId: r.case_id, callSid: r.call_sid }, why)
  }
}

/** The conference is over: every bridged transfer of the call held in it is too. */
export async function completeBridgedOfConference(
  deps: CallbackDeps,
  conferenceSid: string,
): Promise<void> {
  const rows = await deps.db
    .selectFrom('transfers')
    .select(['id', 'case_id', 'call_sid'])
    .where('status', '=', 'bridged')
    .where((eb) =>
      eb.or([
        eb(
          'call_sid',
          'in',
          eb.selectFrom('calls').select('call_sid').where('conference_sid', '=', conferenceSid),
        ),
        // The caller's row may already point at a newer room; the department's presence in
        // this one still ties the transfer to it.
        eb(
          'leg_call_sid',
          'in',
          eb
            .selectFrom('conference_presence')
            .select('call_sid')
            .where('conference_sid', '=', conferenceSid),
        ),
      ]),
    )
    .execute()
  for (const r of rows) {
    await complete(deps, { id: r.id, caseId: r.case_id, callSid: r.call_sid }, 'conference_ended')
  }
}

async function complete(
  deps: CallbackDeps,
  t: Pick<Transfer, 'id' | 'caseId' | 'callSid'>,
  why: BridgedEnd,
): Promise<void> {
  const at = deps.clock.now()
  await deps.db.transaction().execute(async (trx) => {
    if (!(await moveTransfer(trx, t.id, ['bridged'], 'completed', at))) return
    await appendCaseEvent(trx, {
      caseId: t.caseId,
      type: 'transfer_completed',
      actor: { kind: 'system' },
      at,
      callSid: t.callSid,
      data: { transferId: t.id, reason: why },
    })
  })
}
