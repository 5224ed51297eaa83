import { createCall, ringLeg } from './calls.ts'
import { forgetLiveConference, getOrCreateConference } from './conference.ts'
import { callTimer, type Core, track } from './core.ts'
import { type DocSource, execute } from './interpreter.ts'
import { finishRecording, type RecordingRequest } from './recording.ts'
import type { ConferenceOptions } from './twiml.ts'
import type { SimCall, SimConference, StatusCallbackConfig } from './types.ts'

/** Calls Twilio places on our behalf: REST-created calls and REST-added conference participants. */

export interface OutboundCallInit {
  to: string
  from: string
  statusCallback: StatusCallbackConfig | undefined
  timeoutSec: number
  /** `Record=true`: the call is recorded from its answer to its end. */
  recording?: RecordingRequest
}

/** What an outbound call runs once answered; a REST update may change it while it rings. */
const answerSources = new WeakMap<SimCall, DocSource>()

export function startOutboundCall(core: Core, init: OutboundCallInit, source: DocSource): SimCall {
  const call = createCall(core, {
    from: init.from,
    to: init.to,
    direction: 'outbound-api',
    status: 'queued',
    statusCallback: init.statusCallback,
  })
  answerSources.set(call, source)
  // Ring on the next tick: the REST answer says `queued`, as Twilio's does.
  callTimer(call, 0, () => {
    const timeoutMs = init.timeoutSec * 1000 * core.timings.ringTimeoutScale
    const ringing = ringLeg(core, call, timeoutMs).then((outcome) => {
      const answered = answerSources.get(call)
      if (outcome === 'answered' && init.recording) {
        const { recording } = init
        const startedAt = new Date()
        track(
          core,
          call.ended.then(() =>
            finishRecording(core, call, call, {
              request: recording,
              startedAt,
              callSid: call.sid,
              conferenceSid: undefined,
              source: 'OutboundAPI',
            }),
          ),
        )
      }
      if (outcome === 'answered' && answered) execute(core, call, answered)
    })
    track(core, ringing)
  })
  return call
}

/** A REST update with Url/Twiml before answer changes what the call will run. */
export function setAnswerSource(call: SimCall, source: DocSource): boolean {
  if (!answerSources.has(call) || call.answeredAt) return false
  answerSources.set(call, source)
  return true
}

/**
 * POST Conferences/{sid or name}/Participants.json: dials `to` and, once answered, puts the
 * call in the conference as if its TwiML were a <Dial><Conference>; it hangs up when that ends.
 */
export function addParticipant(
  core: Core,
  conferenceName: string,
  init: OutboundCallInit,
  opts: Omit<ConferenceOptions, 'name'>,
): { call: SimCall; conference: SimConference } {
  const conference = getOrCreateConference(core, conferenceName)
  const source: DocSource = {
    kind: 'verbs',
    verbs: [
      {
        verb: 'Dial',
        action: undefined,
        method: 'POST',
        timeoutSec: init.timeoutSec,
        callerId: undefined,
        hangupOnStar: false,
        timeLimitSec: 14_400,
        nouns: [{ kind: 'conference', name: conference.friendlyName, ...opts }],
        record: false,
        recordingStatusCallback: undefined,
        recordingStatusCallbackMethod: 'POST',
        recordingStatusCallbackEvents: [],
      },
    ],
  }
  const call = startOutboundCall(core, init, source)
  // A conference nobody reached should not linger as "init" forever.
  track(
    core,
    call.ended.then(() => {
      if (conference.status === 'init' && conference.participants.size === 0) {
        core.conferences.delete(conference.sid)
        forgetLiveConference(core, conference)
      }
    }),
  )
  return { call, conference }
}
