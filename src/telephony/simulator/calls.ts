import { AppError, NotFoundError } from '../../errors.ts'
import { ABORTED, callTimer, type Core, emit, newSid, simSeconds, twilioDate } from './core.ts'
import { callResource } from './rest-resources.ts'
import type {
  CallStatus,
  Direction,
  EndStatus,
  InputItem,
  RingOutcome,
  SimCall,
  SimEvent,
  StatusCallbackConfig,
} from './types.ts'
import { callParams, postCallback } from './webhooks.ts'

/** Call lifecycle: creation, ringing, answer, end, call-progress callbacks and caller input. */

/** Ended calls kept whole for snapshot(); older ones are forgotten so a long demo does not grow. */
const KEEP_ENDED_CALLS = 500
/**
 * Ended calls whose REST resource is still answered, a few hundred bytes each: a busy hour's
 * worth (the bench's hotline day ends ~35 legs a second; at 10 calls/s 50,000 is ~25 minutes).
 */
const KEEP_ENDED_CALL_RESOURCES = 50_000

export function createCall(
  core: Core,
  init: {
    from: string
    to: string
    direction: Direction
    status: CallStatus
    parentCallSid?: string
    extraParams?: Record<string, string>
    statusCallback?: StatusCallbackConfig
  },
): SimCall {
  let resolveEnded: (status: EndStatus) => void = () => {}
  const ended = new Promise<EndStatus>((resolve) => (resolveEnded = resolve))
  const call: SimCall = {
    sid: newSid('CA'),
    from: init.from,
    to: init.to,
    direction: init.direction,
    status: init.status,
    parentCallSid: init.parentCallSid,
    extraParams: init.extraParams ?? {},
    createdAt: new Date(),
    answeredAt: undefined,
    endedAt: undefined,
    statusCallback: init.statusCallback,
    seq: 0,
    conferenceSid: undefined,
    run: undefined,
    input: [],
    inputWaiters: new Set(),
    settleRing: undefined,
    timers: new Set(),
    ended,
    resolveEnded,
    callbackChain: Promise.resolve(),
  }
  pruneEndedCalls(core)
  core.calls.set(call.sid, call)
  return call
}

function pruneEndedCalls(core: Core): void {
  // Oldest ended first, without scanning every call (a scan per new call was the simulated
  // Twilio's biggest cost on the bench's hotline day, with thousands of live legs).
  for (const sid of core.endedCalls) {
    if (core.endedCalls.size <= KEEP_ENDED_CALLS) break
    core.endedCalls.delete(sid)
    const call = core.calls.get(sid)
    if (!call) continue
    core.calls.delete(sid)
    core.endedCallResources.set(sid, callResource(core, call))
  }
  for (const sid of core.endedCallResources.keys()) {
    if (core.endedCallResources.size <= KEEP_ENDED_CALL_RESOURCES) break
    core.endedCallResources.delete(sid)
  }
}

export function getCall(core: Core, sid: string): SimCall {
  const call = core.calls.get(sid)
  if (!call) throw new NotFoundError('Call', sid)
  return call
}

export function getLiveCall(core: Core, sid: string): SimCall {
  const call = getCall(core, sid)
  if (call.endedAt) throw new AppError('invalid_state', `Call ${sid} has already ended`)
  return call
}

function setStatus(core: Core, call: SimCall, status: CallStatus): void {
  if (call.status === status) return
  call.status = status
  emit(core, { type: 'status', callSid: call.sid, status })
}

/** A call-progress callback, if the call asked for this event. */
function progress(core: Core, call: SimCall, event: string, callStatus: string): void {
  const cb = call.statusCallback
  if (!cb || !cb.events.has(event)) return
  const params: Record<string, string> = {
    ...callParams(core, call),
    CallStatus: callStatus,
    CallbackSource: 'call-progress-events',
    SequenceNumber: String(call.seq++),
    Timestamp: twilioDate(new Date()) ?? '',
  }
  if (event === 'completed') {
    params.CallDuration = String(simSeconds(core, call.answeredAt, call.endedAt))
  }
  postCallback(core, call, call, { url: cb.url, method: cb.method, params })
}

/**
 * Rings an outbound leg until someone answers, rejects, or the timeout passes. A registered
 * device gets an `incoming` event; an address without one rings out to no-answer.
 */
export function ringLeg(core: Core, call: SimCall, timeoutMs: number): Promise<RingOutcome> {
  return new Promise((resolve) => {
    call.settleRing = (outcome) => {
      call.settleRing = undefined
      resolve(outcome)
    }
    progress(core, call, 'initiated', 'initiated')
    setStatus(core, call, 'ringing')
    progress(core, call, 'ringing', 'ringing')
    emit(core, {
      type: 'ringing',
      callSid: call.sid,
      from: call.from,
      to: call.to,
      direction: call.direction,
    })
    callTimer(call, timeoutMs, () => endCall(core, call, 'no-answer'))
    const device = core.devices.get(call.to)
    if (!device) return
    emit(core, {
      type: 'incoming',
      callSid: call.sid,
      address: call.to,
      from: call.from,
      to: call.to,
    })
    const auto = device.autoAnswer
    if (!auto) return
    callTimer(call, auto.afterMs, () => {
      if (call.status === 'ringing') answerCall(core, call)
    })
    const digits = auto.digits
    if (!digits) return
    // Keys pressed before a <Gather> are lost, as on Twilio, so wait for the first one.
    const onEvent = (e: SimEvent) => {
      if (e.callSid !== call.sid) return
      if (e.type === 'gather') queueMicrotask(() => pressDigits(core, call, digits))
      if (e.type === 'gather' || e.type === 'ended') core.events.off('event', onEvent)
    }
    core.events.on('event', onEvent)
  })
}

export function markAnswered(core: Core, call: SimCall): void {
  call.answeredAt = new Date()
  setStatus(core, call, 'in-progress')
  emit(core, { type: 'answered', callSid: call.sid })
  progress(core, call, 'answered', 'in-progress')
}

export function answerCall(core: Core, call: SimCall): void {
  const settle = call.settleRing
  if (call.status !== 'ringing' || !settle) {
    throw new AppError('invalid_state', `Call ${call.sid} is not ringing (it is ${call.status})`)
  }
  clearTimers(call)
  markAnswered(core, call)
  settle('answered')
}

export function rejectCall(core: Core, call: SimCall): void {
  if (call.status !== 'ringing' || !call.settleRing) {
    throw new AppError('invalid_state', `Call ${call.sid} is not ringing (it is ${call.status})`)
  }
  endCall(core, call, 'busy')
}

/** Ends a call once: stops its TwiML, timers and waits, reports status, sends `completed`. */
export function endCall(core: Core, call: SimCall, status: EndStatus): void {
  if (call.endedAt) return
  call.endedAt = new Date()
  core.endedCalls.add(call.sid)
  clearTimers(call)
  call.run?.abort()
  call.settleRing?.(status)
  for (const wake of call.inputWaiters) wake()
  setStatus(core, call, status)
  const durationSec = simSeconds(core, call.answeredAt, call.endedAt)
  emit(core, { type: 'ended', callSid: call.sid, status, durationSec })
  if (!core.lifetime.signal.aborted) progress(core, call, 'completed', status)
  call.resolveEnded(status)
}

function clearTimers(call: SimCall): void {
  for (const t of call.timers) clearTimeout(t)
  call.timers.clear()
}

export function pressDigits(core: Core, call: SimCall, digits: string): void {
  if (!/^[0-9*#wW]+$/.test(digits)) {
    throw new AppError('bad_request', `Digits may only be 0-9, * and # (got "${digits}")`)
  }
  emit(core, { type: 'dtmf', callSid: call.sid, digits })
  for (const digit of digits.replace(/w/gi, '')) pushInput(call, { kind: 'digit', digit })
}

export function speakWords(core: Core, call: SimCall, text: string): void {
  emit(core, { type: 'speech', callSid: call.sid, text })
  pushInput(call, { kind: 'speech', text })
}

function pushInput(call: SimCall, item: InputItem): void {
  call.input.push(item)
  for (const wake of [...call.inputWaiters]) wake()
}

/** Drops input no verb was listening for: Twilio does not buffer keys between verbs. */
export function clearInput(call: SimCall): void {
  call.input.length = 0
}

/** The next key or words from this leg, or `undefined` after `timeoutMs` of nothing. */
export function nextInput(
  call: SimCall,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<InputItem | undefined> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      clearTimeout(timer)
      call.inputWaiters.delete(onInput)
      signal.removeEventListener('abort', onAbort)
    }
    const onInput = () => {
      if (call.endedAt || signal.aborted) return onAbort()
      const item = call.input.shift()
      if (!item) return
      cleanup()
      resolve(item)
    }
    const onAbort = () => {
      cleanup()
      reject(ABORTED)
    }
    const timer = setTimeout(() => {
      cleanup()
      resolve(undefined)
    }, timeoutMs)
    call.inputWaiters.add(onInput)
    signal.addEventListener('abort', onAbort, { once: true })
    onInput()
  })
}
