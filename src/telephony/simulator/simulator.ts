import { EventEmitter } from 'node:events'

import { AppError } from '../../errors.ts'
import type { EdgeHttpClient } from '../telephony.ts'
import {
  answerCall,
  createCall,
  endCall,
  getLiveCall,
  pressDigits,
  rejectCall,
  speakWords,
} from './calls.ts'
import { type Core, DEFAULT_TIMINGS, emit, type HotlineTarget, type SimLogger } from './core.ts'
import { createHttpTransport, type WebhookTransport } from './http-transport.ts'
import { execute } from './interpreter.ts'
import { createRestEdge } from './rest-edge.ts'
import type { DeviceOptions, SimCall, SimEvent, SimSnapshot, SimulatorTimings } from './types.ts'

export type { HotlineTarget, SimLogger } from './core.ts'
export type { DeviceOptions, SimEvent, SimSnapshot, SimulatorTimings } from './types.ts'

/**
 * The local Twilio: with no credentials the service's twilio client talks to `httpClient`, and
 * people on the simulator's side place calls, press keys, speak and answer as devices. Calls
 * run our TwiML the way Twilio would, and every webhook is signed with the auth token.
 */

export interface SimulatorOptions {
  accountSid: string
  authToken: string
  /** Which webhook answers a hotline number; undefined = not one of ours. */
  resolveNumber: (to: string) => HotlineTarget | undefined
  /** How webhooks are sent; node:http with keep-alive unless given (the bench times each one). */
  transport?: WebhookTransport
  timings?: SimulatorTimings
  logger?: SimLogger
}

export interface PlaceCallParams {
  from: string
  to: string
  callerName?: string
  fromCity?: string
  fromState?: string
  fromCountry?: string
}

export interface Simulator {
  /** Give this to the twilio client (`httpClient`) to send its REST calls here. */
  readonly httpClient: EdgeHttpClient
  /** Aborted when the simulator closes: long-lived listeners (SSE) end with it. */
  readonly signal: AbortSignal
  /** Emits `'event'` with each SimEvent. */
  readonly events: EventEmitter<{ event: [SimEvent] }>
  /** Listens to every event; returns the unsubscribe function. */
  subscribe(listener: (event: SimEvent) => void): () => void
  /** A caller dials a hotline: Twilio's inbound webhook, then the TwiML it returns. */
  placeCall(p: PlaceCallParams): Promise<{ callSid: string }>
  registerDevice(address: string, opts?: DeviceOptions): void
  unregisterDevice(address: string): void
  answer(callSid: string): void
  reject(callSid: string): void
  press(callSid: string, digits: string): void
  /** Words the person says; a running <Record> keeps them as the transcript. */
  speak(callSid: string, text: string): void
  hangup(callSid: string): void
  snapshot(): SimSnapshot
  /** Ends every call (no more webhooks) and waits for requests in flight. */
  close(): Promise<void>
}

const ADDRESS = /^(\+[1-9]\d{1,14}|client:[\w.@+-]+)$/
const COUNTRY_BY_PREFIX: [string, string][] = [
  ['+852', 'HK'],
  ['+853', 'MO'],
  ['+886', 'TW'],
  ['+86', 'CN'],
  ['+44', 'GB'],
  ['+1', 'US'],
]

export function createSimulator(opts: SimulatorOptions): Simulator {
  // A transport given by the caller is the caller's to close.
  const transport = opts.transport
    ? { send: opts.transport, close: () => {} }
    : createHttpTransport()
  const core: Core = {
    accountSid: opts.accountSid,
    authToken: opts.authToken,
    resolveNumber: opts.resolveNumber,
    transport: transport.send,
    timings: { ...DEFAULT_TIMINGS, ...opts.timings },
    logger: opts.logger,
    calls: new Map(),
    endedCallResources: new Map(),
    endedCalls: new Set(),
    conferences: new Map(),
    liveConferences: new Map(),
    endedConferences: new Set(),
    devices: new Map(),
    messages: [],
    recordings: [],
    events: new EventEmitter(),
    lifetime: new AbortController(),
    pending: new Set(),
  }
  // The CLI, SSE clients and tests may all listen at once.
  core.events.setMaxListeners(0)

  return {
    httpClient: createRestEdge(core),
    signal: core.lifetime.signal,
    events: core.events,
    subscribe(listener) {
      core.events.on('event', listener)
      return () => core.events.off('event', listener)
    },
    // A promise so a bad number is a rejection, as for any other network-ish operation.
    placeCall: (p) => Promise.resolve().then(() => ({ callSid: placeInbound(core, p).sid })),
    registerDevice(address, deviceOpts = {}) {
      checkAddress(address, 'A device address')
      core.devices.set(address, deviceOpts)
    },
    unregisterDevice(address) {
      core.devices.delete(address)
    },
    answer: (sid) => answerCall(core, getLiveCall(core, sid)),
    reject: (sid) => rejectCall(core, getLiveCall(core, sid)),
    press: (sid, digits) => pressDigits(core, getLiveCall(core, sid), digits),
    speak(sid, text) {
      if (!text.trim()) throw new AppError('bad_request', 'Say something: text is empty')
      speakWords(core, getLiveCall(core, sid), text.trim())
    },
    hangup(sid) {
      const call = getLiveCall(core, sid)
      // Before answer: a caller hanging up cancels; a ringing phone put down declines (busy).
      const unanswered = call.direction === 'inbound' ? 'canceled' : 'busy'
      endCall(core, call, call.answeredAt ? 'completed' : unanswered)
    },
    snapshot: () => snapshot(core),
    async close() {
      core.lifetime.abort()
      for (const call of core.calls.values()) {
        endCall(core, call, call.answeredAt ? 'completed' : 'canceled')
      }
      // Webhooks in flight end now (their connections are destroyed), not when answered.
      transport.close()
      while (core.pending.size) await Promise.allSettled([...core.pending])
    },
  }
}

function placeInbound(core: Core, p: PlaceCallParams): SimCall {
  checkOpen(core)
  checkAddress(p.from, 'from')
  const target = core.resolveNumber(p.to)
  if (!target) {
    throw new AppError(
      'not_found',
      `No hotline has the number ${p.to}; GET /simulator/directory lists the hotline numbers`,
    )
  }
  const fromCountry = p.fromCountry ?? countryOf(p.from)
  const toCountry = countryOf(p.to)
  const geo = {
    FromCity: p.fromCity ?? '',
    FromState: p.fromState ?? '',
    FromCountry: fromCountry,
    FromZip: '',
    ToCity: '',
    ToState: '',
    ToCountry: toCountry,
    ToZip: '',
  }
  const extraParams: Record<string, string> = {
    ...geo,
    CallerCity: geo.FromCity,
    CallerState: geo.FromState,
    CallerCountry: fromCountry,
    CallerZip: '',
    CalledCity: '',
    CalledState: '',
    CalledCountry: toCountry,
    CalledZip: '',
  }
  if (p.callerName) extraParams.CallerName = p.callerName
  const call = createCall(core, {
    from: p.from,
    to: p.to,
    direction: 'inbound',
    status: 'ringing',
    extraParams,
    statusCallback: target.statusCallback
      ? { url: target.statusCallback, method: 'POST', events: new Set(['completed']) }
      : undefined,
  })
  emit(core, {
    type: 'ringing',
    callSid: call.sid,
    from: p.from,
    to: p.to,
    direction: 'inbound',
  })
  execute(core, call, { kind: 'fetch', url: target.voiceUrl, method: 'POST' })
  return call
}

function checkAddress(address: string, what: string): void {
  if (!ADDRESS.test(address)) {
    throw new AppError('bad_request', `${what} must be an E.164 number (+8610...) or client:name`)
  }
}

function checkOpen(core: Core): void {
  if (core.lifetime.signal.aborted) throw new AppError('unavailable', 'The simulator is closed')
}

function countryOf(address: string): string {
  return COUNTRY_BY_PREFIX.find(([prefix]) => address.startsWith(prefix))?.[1] ?? ''
}

function snapshot(core: Core): SimSnapshot {
  return {
    calls: [...core.calls.values()].map((c) => ({
      sid: c.sid,
      from: c.from,
      to: c.to,
      status: c.status,
      direction: c.direction,
      parentCallSid: c.parentCallSid,
      conference: c.conferenceSid ? core.conferences.get(c.conferenceSid)?.friendlyName : undefined,
    })),
    conferences: [...core.conferences.values()].map((conf) => ({
      sid: conf.sid,
      name: conf.friendlyName,
      status: conf.status,
      participants: [...conf.participants.values()].map((p) => ({
        callSid: p.callSid,
        ...(p.label ? { label: p.label } : {}),
        hold: p.hold,
        muted: p.muted,
      })),
    })),
    sms: core.messages.map((m) => ({
      sid: m.sid,
      from: m.from,
      to: m.to,
      body: m.body,
      at: m.createdAt.toISOString(),
    })),
    recordings: [...core.recordings],
  }
}
