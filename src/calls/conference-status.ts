import type { CallbackDeps } from '../callbacks/deps.ts'
import { participantJoined, participantLeft } from '../transfers/transfer-control.ts'
import { completeBridgedOfConference } from '../transfers/transfer-end.ts'
import { recordReceipt, setConferenceSid } from './calls.repository.ts'
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
 * the busiest of them (two or more per call): its receipt and records are one statement.
 */
export async function applyConferenceStatus(
  deps: CallbackDeps,
  c: ConferenceStatus,
): Promise<void> {
  const at = deps.clock.now()
  if (c.StatusCallbackEvent === 'participant-join' && c.CallSid) {
    const fresh = await recordParticipantJoin(deps.db, {
      conferenceSid: c.ConferenceSid,
      conferenceName: c.FriendlyName,
      callSid: c.CallSid,
      sequenceNumber: c.SequenceNumber,
      at,
    })
    if (fresh) await participantJoined(deps, c.CallSid)
    return
  }
  const fresh = await recordReceipt(deps.db, {
    resourceSid: c.ConferenceSid,
    event: conferenceEvent(c.StatusCallbackEvent, c.CallSid),
    sequenceNumber: c.SequenceNumber,
  })
  if (!fresh) return
  if (c.StatusCallbackEvent === 'conference-start') {
    await setConferenceSid(deps.db, c.FriendlyName, c.ConferenceSid)
  }
  if (c.StatusCallbackEvent === 'conference-end') {
    await completeBridgedOfConference(deps, c.ConferenceSid)
  }
  if (c.StatusCallbackEvent === 'participant-leave' && c.CallSid) {
    await participantLeft(deps, { conferenceSid: c.ConferenceSid, callSid: c.CallSid, at })
  }
}
