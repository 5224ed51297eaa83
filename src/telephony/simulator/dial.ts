import { clearInput, createCall, endCall, nextInput, ringLeg } from './calls.ts'
import { joinConference } from './conference.ts'
import {
  childController,
  type Core,
  emit,
  isAborted,
  simSeconds,
  sleep,
  untilAborted,
} from './core.ts'
import type { DocSource } from './interpreter.ts'
import { finishRecording } from './recording.ts'
import type { DialNoun, Verb } from './twiml.ts'
import type { EndStatus, RingOutcome, SimCall } from './types.ts'
import { callParams, postCallback, resolveUrl } from './webhooks.ts'

type DialVerb = Extract<Verb, { verb: 'Dial' }>
type LegNoun = Extract<DialNoun, { kind: 'number' | 'client' }>

interface DialResult {
  status: string
  dialCallSid: string | undefined
  durationSec: number
}

/** setTimeout's ceiling: "no timeout" for a wait that only an event ends. */
const NEVER_MS = 2_147_483_647

/**
 * <Dial>: rings every Number/Client at once and bridges the first to answer, or joins a
 * Conference. When it ends, Twilio posts `action` with DialCallStatus (or falls through to the
 * next verb). If the caller hangs up meanwhile, the action is still posted and its TwiML ignored.
 */
export async function dial(
  core: Core,
  call: SimCall,
  verb: DialVerb,
  docUrl: string | undefined,
  signal: AbortSignal,
): Promise<DocSource | undefined> {
  clearInput(call)
  const conference = verb.nouns.find((n) => n.kind === 'conference')
  const to = verb.nouns.map((n) => (n.kind === 'conference' ? n.name : n.address))
  emit(core, { type: 'dial', callSid: call.sid, to, conference: conference?.name })
  const startedAt = new Date()
  const legs: SimCall[] = []
  let result: DialResult
  try {
    if (conference) {
      await joinConference(core, call, conference, docUrl, signal)
      result = {
        status: 'completed',
        dialCallSid: undefined,
        durationSec: simSeconds(core, startedAt),
      }
    } else {
      const nouns = verb.nouns.filter((n): n is LegNoun => n.kind !== 'conference')
      result = await dialLegs(core, call, verb, nouns, docUrl, legs, signal)
    }
  } catch (e) {
    if (isAborted(e) && call.endedAt && verb.action) {
      const bridged = conference ? true : legs.some((l) => l.answeredAt)
      const child = legs.find((l) => l.answeredAt) ?? legs[0]
      const params = {
        ...callParams(core, call),
        ...dialParams({
          status: bridged ? 'completed' : 'canceled',
          dialCallSid: child?.sid,
          durationSec: simSeconds(core, child?.answeredAt ?? startedAt, child?.endedAt),
        }),
      }
      const url = resolveUrl(verb.action, docUrl)
      postCallback(core, call, call, { url, method: verb.method, params })
    }
    throw e
  } finally {
    recordDial(core, call, verb, docUrl, legs)
  }
  const { status, dialCallSid } = result
  emit(core, { type: 'dial-end', callSid: call.sid, dialCallStatus: status, dialCallSid })
  if (!verb.action) return undefined
  const url = resolveUrl(verb.action, docUrl)
  return { kind: 'fetch', url, method: verb.method, params: dialParams(result) }
}

/** <Dial record="record-from-answer…">: once the bridge is over, the recording exists. */
function recordDial(
  core: Core,
  call: SimCall,
  verb: DialVerb,
  docUrl: string | undefined,
  legs: SimCall[],
): void {
  const answered = legs.find((l) => l.answeredAt)
  if (!verb.record || !verb.recordingStatusCallback || !answered?.answeredAt) return
  finishRecording(core, call, call, {
    request: {
      url: resolveUrl(verb.recordingStatusCallback, docUrl),
      method: verb.recordingStatusCallbackMethod,
      events: new Set(verb.recordingStatusCallbackEvents),
    },
    startedAt: answered.answeredAt,
    callSid: call.sid,
    conferenceSid: undefined,
    source: 'DialVerb',
  })
}

function dialParams(r: DialResult): Record<string, string> {
  const params: Record<string, string> = {
    DialCallStatus: r.status,
    DialCallDuration: String(r.durationSec),
  }
  if (r.dialCallSid) params.DialCallSid = r.dialCallSid
  return params
}

async function dialLegs(
  core: Core,
  parent: SimCall,
  verb: DialVerb,
  nouns: LegNoun[],
  docUrl: string | undefined,
  legs: SimCall[],
  signal: AbortSignal,
): Promise<DialResult> {
  const from = verb.callerId ?? parent.from
  for (const noun of nouns) {
    const events = noun.statusCallbackEvents.length ? noun.statusCallbackEvents : ['completed']
    const statusCallback = noun.statusCallback
      ? {
          url: resolveUrl(noun.statusCallback, docUrl),
          method: noun.statusCallbackMethod,
          events: new Set(events),
        }
      : undefined
    legs.push(
      createCall(core, {
        from,
        to: noun.address,
        direction: 'outbound-dial',
        status: 'queued',
        parentCallSid: parent.sid,
        statusCallback,
      }),
    )
  }
  const timeoutMs = verb.timeoutSec * 1000 * core.timings.ringTimeoutScale
  try {
    const rings = legs.map((leg) =>
      ringLeg(core, leg, timeoutMs).then((outcome) => ({ leg, outcome })),
    )
    const first = await untilAborted(firstAnswer(rings), signal)
    for (const leg of legs) if (leg !== first.leg) endCall(core, leg, 'canceled')
    if (first.outcome !== 'answered') {
      return { status: first.outcome, dialCallSid: first.leg.sid, durationSec: 0 }
    }
    const child = first.leg
    const bridge = childController(signal)
    const ends: Promise<unknown>[] = [
      child.ended,
      sleep(verb.timeLimitSec * core.timings.secondMs, bridge.signal),
    ]
    if (verb.hangupOnStar) ends.push(waitForStar(parent, bridge.signal))
    try {
      await untilAborted(Promise.race(ends), signal)
    } finally {
      bridge.abort()
    }
    endCall(core, child, 'completed')
    const durationSec = simSeconds(core, child.answeredAt, child.endedAt)
    return { status: 'completed', dialCallSid: child.sid, durationSec }
  } finally {
    for (const leg of legs) endCall(core, leg, leg.answeredAt ? 'completed' : 'canceled')
  }
}

/** The first leg to answer; if none does, the most telling failure (busy over no-answer). */
function firstAnswer(
  rings: Promise<{ leg: SimCall; outcome: RingOutcome }>[],
): Promise<{ leg: SimCall; outcome: RingOutcome }> {
  return new Promise((resolve) => {
    const failures: { leg: SimCall; outcome: EndStatus }[] = []
    for (const ring of rings) {
      void ring.then((r) => {
        if (r.outcome === 'answered') return resolve(r)
        failures.push({ leg: r.leg, outcome: r.outcome })
        if (failures.length < rings.length) return
        const rank: EndStatus[] = ['busy', 'failed', 'canceled', 'no-answer', 'completed']
        failures.sort((a, b) => rank.indexOf(a.outcome) - rank.indexOf(b.outcome))
        resolve(failures[0] as { leg: SimCall; outcome: EndStatus })
      })
    }
  })
}

async function waitForStar(call: SimCall, signal: AbortSignal): Promise<void> {
  for (;;) {
    const item = await nextInput(call, NEVER_MS, signal)
    if (item?.kind === 'digit' && item.digit === '*') return
  }
}
