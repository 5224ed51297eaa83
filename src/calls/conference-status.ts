import type { CallbackDeps } from '../callbacks/deps.ts'
import { coerceError } from '../errors.ts'
import { participantJoined, participantLeft } from '../transfers/transfer-control.ts'
import { completeBridgedOfConference } from '../transfers/transfer-end.ts'
import { forgetReceipt, type Receipt, recordReceipt, setConferenceSid } from './calls.repository.ts'
import { conferenceEvent, recordParticipantJoin } from './participant-join.repository.ts'

/** Twilio's conference status callback, as it arrives (start, end, a participant's join or leave). */
export interface ConferenceStatus {
  ConferenceSid: string
  FriendlyName: string
  StatusCallbackEvent: string
  SequenceNumber: number
  CallSid?: string | undefined
}

/**
 * Applies a conference event once (a retry finds its receipt and changes nothing). A join is
 * the busiest of them (two or more per call): its receipt and records are one statement. The
 * rules that follow a fresh receipt (a department joining bridges a transfer, a leave ends a
 * lonely caller's room) run after it commits; if one fails, the receipt is given back, so that
 * Twilio's retry applies them again. Each rule moves its rows only from the state it expects,
 * so the parts that had succeeded change nothing the second time.
 */
export async function applyConferenceStatus(
  deps: CallbackDeps,
  c: ConferenceStatus,
): Promise<void> {
  const at = deps.clock.now()
  const receipt = {
    resourceSid: c.ConferenceSid,
    event: conferenceEvent(c.StatusCallbackEvent, c.CallSid),
    sequenceNumber: c.SequenceNumber,
  }
  if (c.StatusCallbackEvent === 'participant-join' && c.CallSid) {
    const callSid = c.CallSid
    const fresh = await recordParticipantJoin(deps.db, {
      conferenceSid: c.ConferenceSid,
      conferenceName: c.FriendlyName,
      callSid,
      sequenceNumber: c.SequenceNumber,
      at,
    })
    if (fresh) await givenBackOnFailure(deps, receipt, () => participantJoined(deps, callSid))
    return
  }
  if (!(await recordReceipt(deps.db, receipt))) return
  await givenBackOnFailure(deps, receipt, async () => {
    if (c.StatusCallbackEvent === 'conference-start') {
      await setConferenceSid(deps.db, c.FriendlyName, c.ConferenceSid)
    }
    if (c.StatusCallbackEvent === 'conference-end') {
      await completeBridgedOfConference(deps, c.ConferenceSid)
    }
    if (c.StatusCallbackEvent === 'participant-leave' && c.CallSid) {
      await participantLeft(deps, { conferenceSid: c.ConferenceSid, callSid: c.CallSid, at })
    }
  })
}

async function givenBackOnFailure(
  deps: CallbackDeps,
  receipt: Receipt,
  rules: () => Promise<void>,
): Promise<void> {
  try {
    await rules()
  } catch (e) {
    // If Postgres itself is gone, this fails too; the webhook's error stands either way.
    await forgetReceipt(deps.db, receipt).catch((err: unknown) =>
      deps.logger.warn({ err: coerceError(err) }, 'receipt of a failed webhook not given back'),
    )
    throw e
  }
}
