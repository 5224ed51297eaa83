import { type Core, twilioDate } from './core.ts'
import type { SimConference, SimParticipant } from './types.ts'
import { postCallback } from './webhooks.ts'

/** Short event names (TwiML `statusCallbackEvent`) for each callback's StatusCallbackEvent. */
const EVENT_GROUP: Record<string, string> = {
  'conference-start': 'start',
  'conference-end': 'end',
  'participant-join': 'join',
  'participant-leave': 'leave',
  'participant-hold': 'hold',
  'participant-unhold': 'hold',
  'participant-mute': 'mute',
  'participant-unmute': 'mute',
  'participant-modify': 'modify',
  'announcement-end': 'announcement',
}

/** A conference status callback, if the conference asked for this kind of event. */
export function conferenceCallback(
  core: Core,
  conf: SimConference,
  event: string,
  p: SimParticipant | undefined,
  extra: Record<string, string> = {},
): void {
  const cb = conf.statusCallback
  const group = EVENT_GROUP[event]
  if (!cb || !group || !cb.events.has(group) || core.lifetime.signal.aborted) return
  const params: Record<string, string> = {
    AccountSid: core.accountSid,
    ConferenceSid: conf.sid,
    FriendlyName: conf.friendlyName,
    StatusCallbackEvent: event,
    // Twilio numbers conference events from 1 (call-progress events count from 0).
    SequenceNumber: String(++conf.seq),
    Timestamp: twilioDate(new Date()) ?? '',
    ...extra,
  }
  if (p) {
    Object.assign(params, {
      CallSid: p.callSid,
      Hold: String(p.hold),
      Muted: String(p.muted),
      Coaching: 'false',
      EndConferenceOnExit: String(p.endConferenceOnExit),
      StartConferenceOnEnter: String(p.startConferenceOnEnter),
    })
    if (p.label) params.ParticipantLabel = p.label
  }
  const call = p ? core.calls.get(p.callSid) : undefined
  postCallback(core, conf, call, { url: cb.url, method: cb.method, params })
}
