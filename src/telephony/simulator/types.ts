import type { HttpMethod } from './twiml.ts'

/** Twilio's call status values (the REST resource's `status`). */
export type CallStatus =
  'queued' | 'ringing' | 'in-progress' | 'completed' | 'busy' | 'failed' | 'no-answer' | 'canceled'

export type EndStatus = Extract<
  CallStatus,
  'completed' | 'busy' | 'failed' | 'no-answer' | 'canceled'
>

export type Direction = 'inbound' | 'outbound-api' | 'outbound-dial'

export type RingOutcome = 'answered' | EndStatus

export interface SimulatorTimings {
  /** How long a `<Say>` lasts per character of text. */
  sayMsPerChar?: number
  /** How long one `<Play>` lasts. */
  playMs?: number
  /** Multiplies ring timeouts (`Timeout`, `<Dial timeout>`) given in seconds. */
  ringTimeoutScale?: number
  /** How long one TwiML second lasts: `<Pause length>`, Gather/Record timeouts, durations. */
  secondMs?: number
}

export interface DeviceOptions {
  /** Answer by itself after `afterMs`, then press `digits` at the call's first `<Gather>`. */
  autoAnswer?: { afterMs: number; digits?: string }
}

export interface StatusCallbackConfig {
  url: string
  method: HttpMethod
  events: ReadonlySet<string>
}

export interface SimCall {
  sid: string
  from: string
  to: string
  direction: Direction
  status: CallStatus
  parentCallSid: string | undefined
  /** Extra inbound parameters (CallerName, FromCity, ...), sent with every webhook. */
  extraParams: Record<string, string>
  createdAt: Date
  answeredAt: Date | undefined
  endedAt: Date | undefined
  statusCallback: StatusCallbackConfig | undefined
  /** Next call-progress SequenceNumber. */
  seq: number
  conferenceSid: string | undefined
  /** The current TwiML run; aborted by hangup, redirect and close. */
  run: AbortController | undefined
  /** Keys and words from the person on this leg that no verb has consumed yet. */
  input: InputItem[]
  inputWaiters: Set<() => void>
  /** Settles the ringing phase of an outbound leg. */
  settleRing: ((outcome: RingOutcome) => void) | undefined
  timers: Set<NodeJS.Timeout>
  ended: Promise<EndStatus>
  resolveEnded: (status: EndStatus) => void
  /** Keeps this call's callbacks in order, as Twilio's SequenceNumber implies. */
  callbackChain: Promise<void>
}

export type InputItem = { kind: 'digit'; digit: string } | { kind: 'speech'; text: string }

export interface SimParticipant {
  callSid: string
  label: string | undefined
  muted: boolean
  hold: boolean
  holdUrl: string | undefined
  holdMethod: HttpMethod
  startConferenceOnEnter: boolean
  endConferenceOnExit: boolean
  joinedAt: Date
  /** Why it left, once it has. */
  left: 'hangup' | 'redirected' | 'conference-ended' | 'kicked' | undefined
  /** Wakes the participant's loop (hold changed, conference started or ended). */
  wake: () => void
}

export interface SimConference {
  sid: string
  friendlyName: string
  status: 'init' | 'in-progress' | 'completed'
  createdAt: Date
  updatedAt: Date
  participants: Map<string, SimParticipant>
  statusCallback: StatusCallbackConfig | undefined
  /** Next conference SequenceNumber. */
  seq: number
  endedReason: string | undefined
  callSidEndingConference: string | undefined
  callbackChain: Promise<void>
  /** `record="record-from-start"` on a participant's <Conference>: where its recording goes. */
  recording?: { url: string; method: HttpMethod; events: ReadonlySet<string> }
  /** When the recording started (the conference's start). */
  recordingStartedAt?: Date
}

export interface SimMessage {
  sid: string
  from: string
  to: string
  body: string
  statusCallback: string | undefined
  createdAt: Date
}

export interface SimRecording {
  sid: string
  callSid: string
  url: string
  durationSec: number
  transcript: string
  /** A recorded conference's SID (the case's room); absent for a call's own recording. */
  conferenceSid?: string
}

type WithCall<T> = T & { callSid: string }

/** What the simulator reports; every event is plain JSON with `type`, `callSid` and `at`. */
export type SimEventBody =
  | WithCall<{ type: 'incoming'; address: string; from: string; to: string }>
  | WithCall<{ type: 'ringing'; from: string; to: string; direction: Direction }>
  | WithCall<{ type: 'answered' }>
  | WithCall<{ type: 'status'; status: CallStatus }>
  | WithCall<{ type: 'say'; text: string; language: string | undefined; voice: string | undefined }>
  | WithCall<{ type: 'play'; url: string }>
  | WithCall<{ type: 'pause'; lengthSec: number }>
  | WithCall<{ type: 'gather'; input: string[]; numDigits: number | undefined; timeoutSec: number }>
  | WithCall<{ type: 'gather-end'; digits: string; speech: string | undefined; timedOut: boolean }>
  | WithCall<{ type: 'record'; maxLengthSec: number; finishOnKey: string; playBeep: boolean }>
  | WithCall<{ type: 'record-end'; recordingSid: string; durationSec: number; transcript: string }>
  | WithCall<{ type: 'dtmf'; digits: string }>
  | WithCall<{ type: 'speech'; text: string }>
  | WithCall<{ type: 'dial'; to: string[]; conference: string | undefined }>
  | WithCall<{ type: 'dial-end'; dialCallStatus: string; dialCallSid: string | undefined }>
  | WithCall<{ type: 'conference-join'; conferenceSid: string; name: string; label?: string }>
  | WithCall<{ type: 'conference-leave'; conferenceSid: string; name: string; reason: string }>
  | WithCall<{ type: 'conference-hold'; conferenceSid: string; hold: boolean }>
  | WithCall<{ type: 'conference-start'; conferenceSid: string; name: string }>
  | WithCall<{ type: 'conference-end'; conferenceSid: string; name: string; reason: string }>
  | WithCall<{ type: 'enqueue'; name: string }>
  | WithCall<{ type: 'redirect'; url: string; method: HttpMethod }>
  | WithCall<{ type: 'webhook'; url: string; method: HttpMethod; status: number | undefined }>
  | WithCall<{ type: 'error'; code: number; message: string }>
  | WithCall<{ type: 'ended'; status: EndStatus; durationSec: number }>
  | {
      type: 'sms'
      callSid: undefined
      sid: string
      from: string
      to: string
      body: string
    }

export type SimEvent = SimEventBody & { at: string }

export type SimEventType = SimEvent['type']

export interface SimSnapshot {
  calls: {
    sid: string
    from: string
    to: string
    status: CallStatus
    direction: Direction
    parentCallSid: string | undefined
    conference: string | undefined
  }[]
  conferences: {
    sid: string
    name: string
    status: SimConference['status']
    participants: { callSid: string; label?: string; hold: boolean; muted: boolean }[]
  }[]
  sms: { sid: string; from: string; to: string; body: string; at: string }[]
  recordings: SimRecording[]
}
