import { conferenceCallback } from './conference-callbacks.ts'
import { childController, type Core, emit, newSid, untilAborted } from './core.ts'
import { forever, loopMedia } from './media.ts'
import { finishRecording } from './recording.ts'
import type { ConferenceOptions } from './twiml.ts'
import type { SimCall, SimConference, SimParticipant } from './types.ts'
import { callParams, resolveUrl } from './webhooks.ts'

/**
 * Conferences as Twilio runs them: one starts once two people are in and one of them has
 * startConferenceOnEnter; it ends when someone with endConferenceOnExit leaves or the last one
 * does, which drops everyone (their <Dial> ends `completed`). Waiting and held participants hear
 * their waitUrl / holdUrl TwiML in a loop.
 */

/**
 * Completed conferences kept whole for REST reads; older ones are forgotten, as ended calls are
 * (calls.ts): a busy day's simulator otherwise grows by one conference a call, without end.
 */
const KEEP_ENDED_CONFERENCES = 2000

export function findConference(core: Core, sidOrName: string): SimConference | undefined {
  return core.conferences.get(sidOrName) ?? core.liveConferences.get(sidOrName)
}

export function getOrCreateConference(core: Core, name: string): SimConference {
  const existing = core.liveConferences.get(name)
  if (existing) return existing
  const now = new Date()
  const conf: SimConference = {
    sid: newSid('CF'),
    friendlyName: name,
    status: 'init',
    createdAt: now,
    updatedAt: now,
    participants: new Map(),
    statusCallback: undefined,
    seq: 0,
    endedReason: undefined,
    callSidEndingConference: undefined,
    callbackChain: Promise.resolve(),
  }
  core.conferences.set(conf.sid, conf)
  core.liveConferences.set(name, conf)
  return conf
}

/** The conference is over (or was never reached): its name is free, and old ones are forgotten. */
export function forgetLiveConference(core: Core, conf: SimConference): void {
  if (core.liveConferences.get(conf.friendlyName) === conf)
    core.liveConferences.delete(conf.friendlyName)
}

function rememberEnded(core: Core, conf: SimConference): void {
  forgetLiveConference(core, conf)
  core.endedConferences.add(conf.sid)
  for (const sid of core.endedConferences) {
    if (core.endedConferences.size <= KEEP_ENDED_CONFERENCES) break
    core.endedConferences.delete(sid)
    core.conferences.delete(sid)
  }
}

/**
 * Puts `call` in the conference until it ends or the participant is removed. Abort (hangup,
 * redirect) takes the participant out on the way, as Twilio does.
 */
export async function joinConference(
  core: Core,
  call: SimCall,
  opts: ConferenceOptions,
  baseUrl: string | undefined,
  signal: AbortSignal,
): Promise<'conference-ended' | 'kicked'> {
  const conf = getOrCreateConference(core, opts.name)
  if (!conf.statusCallback && opts.statusCallback) {
    const events = opts.statusCallbackEvents.length ? opts.statusCallbackEvents : ['start', 'end']
    conf.statusCallback = {
      url: resolveUrl(opts.statusCallback, baseUrl),
      method: opts.statusCallbackMethod,
      events: new Set(events),
    }
  }
  if (!conf.recording && opts.record && opts.recordingStatusCallback) {
    conf.recording = {
      url: resolveUrl(opts.recordingStatusCallback, baseUrl),
      method: opts.recordingStatusCallbackMethod,
      events: new Set(opts.recordingStatusCallbackEvents),
    }
  }
  const waitUrl = opts.waitUrl ? resolveUrl(opts.waitUrl, baseUrl) : opts.waitUrl
  const p: SimParticipant = {
    callSid: call.sid,
    label: opts.label,
    muted: opts.muted,
    hold: false,
    holdUrl: undefined,
    holdMethod: 'GET',
    startConferenceOnEnter: opts.startConferenceOnEnter,
    endConferenceOnExit: opts.endConferenceOnExit,
    joinedAt: new Date(),
    left: undefined,
    wake: () => {},
  }
  conf.participants.set(call.sid, p)
  conf.updatedAt = new Date()
  call.conferenceSid = conf.sid
  const { sid: conferenceSid, friendlyName: name } = conf
  emit(core, { type: 'conference-join', callSid: call.sid, conferenceSid, name, label: opts.label })
  conferenceCallback(core, conf, 'participant-join', p)
  maybeStart(core, conf, call.sid)
  try {
    for (;;) {
      if (p.left) return p.left === 'kicked' ? 'kicked' : 'conference-ended'
      const round = childController(signal)
      const woke = new Promise<void>((resolve) => (p.wake = resolve))
      let music: Promise<never>
      if (p.hold) {
        const params = callParams(core, call)
        music = loopMedia(
          core,
          call,
          { url: p.holdUrl, method: p.holdMethod, params },
          round.signal,
        )
      } else if (conf.status !== 'in-progress') {
        const params = {
          ...callParams(core, call),
          ConferenceSid: conferenceSid,
          FriendlyName: name,
        }
        music = loopMedia(
          core,
          call,
          { url: waitUrl, method: opts.waitMethod, params },
          round.signal,
        )
      } else {
        music = forever(round.signal)
      }
      music.catch(() => {})
      try {
        await untilAborted(Promise.race([woke, music]), signal)
      } finally {
        round.abort()
      }
    }
  } finally {
    call.conferenceSid = undefined
    if (!p.left) leaveConference(core, conf, p, call.endedAt ? 'hangup' : 'redirected')
  }
}

function maybeStart(core: Core, conf: SimConference, callSid: string): void {
  if (conf.status !== 'init') return
  const all = [...conf.participants.values()]
  if (all.length < 2 || !all.some((p) => p.startConferenceOnEnter)) return
  conf.status = 'in-progress'
  conf.updatedAt = new Date()
  // record-from-start: from when the conference starts, not while the caller waits alone.
  if (conf.recording) conf.recordingStartedAt = conf.updatedAt
  const { sid: conferenceSid, friendlyName: name } = conf
  emit(core, { type: 'conference-start', callSid, conferenceSid, name })
  conferenceCallback(core, conf, 'conference-start', conf.participants.get(callSid))
  for (const p of all) p.wake()
}

export function leaveConference(
  core: Core,
  conf: SimConference,
  p: SimParticipant,
  reason: NonNullable<SimParticipant['left']>,
): void {
  if (p.left) return
  p.left = reason
  conf.participants.delete(p.callSid)
  conf.updatedAt = new Date()
  const { sid: conferenceSid, friendlyName: name } = conf
  emit(core, { type: 'conference-leave', callSid: p.callSid, conferenceSid, name, reason })
  const why = {
    hangup: 'participant_hung_up',
    redirected: 'participant_updated_via_api',
    kicked: 'participant_updated_via_api',
    'conference-ended': 'conference_ended',
  }[reason]
  conferenceCallback(core, conf, 'participant-leave', p, { ReasonParticipantLeft: why })
  p.wake()
  if (conf.status === 'completed') return
  if (p.endConferenceOnExit) {
    endConference(core, conf, 'participant-with-end-conference-on-exit-left', p.callSid)
  } else if (conf.participants.size === 0) {
    endConference(core, conf, 'last-participant-left', p.callSid)
  }
}

export function endConference(
  core: Core,
  conf: SimConference,
  reason: string,
  callSid: string | undefined,
): void {
  if (conf.status === 'completed') return
  conf.status = 'completed'
  rememberEnded(core, conf)
  conf.updatedAt = new Date()
  conf.endedReason = reason
  conf.callSidEndingConference = callSid
  for (const p of [...conf.participants.values()])
    leaveConference(core, conf, p, 'conference-ended')
  const { sid: conferenceSid, friendlyName: name } = conf
  emit(core, { type: 'conference-end', callSid: callSid ?? '', conferenceSid, name, reason })
  const extra: Record<string, string> = { ReasonConferenceEnded: reason }
  if (callSid) extra.CallSidEndingConference = callSid
  conferenceCallback(core, conf, 'conference-end', undefined, extra)
  if (conf.recording && conf.recordingStartedAt) {
    finishRecording(core, conf, undefined, {
      request: conf.recording,
      startedAt: conf.recordingStartedAt,
      callSid: undefined,
      conferenceSid,
      source: 'Conference',
    })
  }
}
