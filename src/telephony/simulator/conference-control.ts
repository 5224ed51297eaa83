import { conferenceCallback } from './conference-callbacks.ts'
import { type Core, emit, isAborted, track } from './core.ts'
import { playPrompt } from './media.ts'
import type { HttpMethod } from './twiml.ts'
import type { SimCall, SimConference, SimParticipant } from './types.ts'
import { callParams, fetchTwiml } from './webhooks.ts'

export interface ParticipantChanges {
  hold?: boolean
  holdUrl?: string
  holdMethod?: HttpMethod
  muted?: boolean
  endConferenceOnExit?: boolean
  announceUrl?: string
  announceMethod?: HttpMethod
}

/** The REST participant update: hold (with its music), mute, announce, endConferenceOnExit. */
export function updateParticipant(
  core: Core,
  conf: SimConference,
  p: SimParticipant,
  changes: ParticipantChanges,
): void {
  if (changes.holdUrl !== undefined) p.holdUrl = changes.holdUrl
  if (changes.holdMethod) p.holdMethod = changes.holdMethod
  // Twilio silently ignores endConferenceOnExit for a participant on hold (a known pitfall:
  // flex-dialpad-addon-plugin#60, FPT's hold_workaround); the simulator does the same, so code
  // that sets it in the wrong order fails here as it would in production.
  if (changes.endConferenceOnExit !== undefined && !p.hold) {
    p.endConferenceOnExit = changes.endConferenceOnExit
  }
  if (changes.hold !== undefined && changes.hold !== p.hold) {
    p.hold = changes.hold
    emit(core, {
      type: 'conference-hold',
      callSid: p.callSid,
      conferenceSid: conf.sid,
      hold: p.hold,
    })
    conferenceCallback(core, conf, p.hold ? 'participant-hold' : 'participant-unhold', p)
    p.wake()
  }
  if (changes.muted !== undefined && changes.muted !== p.muted) {
    p.muted = changes.muted
    conferenceCallback(core, conf, p.muted ? 'participant-mute' : 'participant-unmute', p)
  }
  conf.updatedAt = new Date()
  const call = core.calls.get(p.callSid)
  if (changes.announceUrl && call) {
    const req = { url: changes.announceUrl, method: changes.announceMethod ?? 'POST' }
    track(core, announce(core, conf, p, call, req))
  }
}

/** An announcement plays over whatever the participant hears; it does not interrupt it. */
async function announce(
  core: Core,
  conf: SimConference,
  p: SimParticipant,
  call: SimCall,
  req: { url: string; method: HttpMethod },
): Promise<void> {
  const signal = call.run?.signal ?? core.lifetime.signal
  try {
    const verbs = await fetchTwiml(core, call, { ...req, params: callParams(core, call) }, signal)
    for (const verb of verbs) {
      if (verb.verb === 'Say' || verb.verb === 'Play' || verb.verb === 'Pause') {
        await playPrompt(core, call, verb, signal)
      }
    }
    conferenceCallback(core, conf, 'announcement-end', p)
  } catch (e) {
    if (isAborted(e)) return
    const message = e instanceof Error ? e.message : String(e)
    emit(core, { type: 'error', callSid: call.sid, code: 11200, message })
  }
}
