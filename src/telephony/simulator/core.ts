import { randomBytes } from 'node:crypto'
import type { EventEmitter } from 'node:events'

import type { WebhookTransport } from './http-transport.ts'
import type {
  DeviceOptions,
  SimCall,
  SimConference,
  SimEvent,
  SimEventBody,
  SimMessage,
  SimRecording,
  SimulatorTimings,
} from './types.ts'

/** Only the pino methods we use, so tests can pass a plain object. */
export interface SimLogger {
  debug(obj: object, msg?: string): void
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
}

export interface HotlineTarget {
  voiceUrl: string
  statusCallback?: string
}

/** The state every part of the engine shares; functions take it first, as repositories take `db`. */
export interface Core {
  accountSid: string
  authToken: string
  resolveNumber: (to: string) => HotlineTarget | undefined
  /** How webhooks leave: node:http by default; the bench wraps it to time each one. */
  transport: WebhookTransport
  timings: Required<SimulatorTimings>
  logger: SimLogger | undefined
  calls: Map<string, SimCall>
  /**
   * The REST view of ended calls no longer held whole (see KEEP_ENDED_CALLS): Twilio answers for
   * a call for months, and the service's stale-calls duty asks about calls minutes after they end.
   */
  endedCallResources: Map<string, Record<string, unknown>>
  /** Ended calls still held whole, in the order they ended (see KEEP_ENDED_CALLS). */
  endedCalls: Set<string>
  conferences: Map<string, SimConference>
  /** The conference not yet completed under each friendly name: <Dial><Conference> and REST find it by name. */
  liveConferences: Map<string, SimConference>
  /** Completed conferences in the order they ended; the oldest are forgotten (KEEP_ENDED_CONFERENCES). */
  endedConferences: Set<string>
  devices: Map<string, DeviceOptions>
  messages: SimMessage[]
  recordings: SimRecording[]
  events: EventEmitter<{ event: [SimEvent] }>
  /** Aborted by close(): every wait in the engine listens to it. */
  lifetime: AbortController
  /** Webhooks in flight, so close() can let them finish. */
  pending: Set<Promise<unknown>>
}

export const DEFAULT_TIMINGS: Required<SimulatorTimings> = {
  sayMsPerChar: 40,
  playMs: 3000,
  ringTimeoutScale: 1,
  secondMs: 1000,
}

export function emit(core: Core, body: SimEventBody): void {
  const event = { ...body, at: new Date().toISOString() }
  core.events.emit('event', event)
}

export function newSid(prefix: 'CA' | 'CF' | 'SM' | 'RE' | 'PN'): string {
  return prefix + randomBytes(16).toString('hex')
}

export class AbortedError extends Error {
  override name = 'AbortedError'
}

/**
 * The one rejection every aborted wait shares: a call's end aborts several waits at once, and an
 * Error built for each (its stack captured) was a tenth of a busy simulator's CPU. Nobody reads
 * its stack; callers test it with isAborted.
 */
export const ABORTED = new AbortedError('aborted')

export function isAborted(e: unknown): boolean {
  return e instanceof AbortedError
}

export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw ABORTED
}

/** Resolves after `ms`; rejects with AbortedError as soon as `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(ABORTED)
    const onAbort = () => {
      clearTimeout(timer)
      reject(ABORTED)
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

/** Races a promise against `signal`, so an engine wait never outlives its call. */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(ABORTED)
    const onAbort = () => reject(ABORTED)
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort)
        resolve(v)
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(e instanceof Error ? e : new Error(String(e)))
      },
    )
  })
}

export interface ChildController extends AbortController {
  /** Done without aborting: the parent forgets this child. */
  release(): void
}

// The children of each parent signal: one listener on the parent aborts them all. A listener
// per child made every addEventListener and removeEventListener on a parent such as the
// simulator's lifetime walk Node's list of thousands (one per live call): a tenth of a busy
// simulator's CPU.
const childrenOf = new WeakMap<AbortSignal, Set<() => void>>()

/** How many children `parent` holds now: none once each has aborted or been released. */
export function liveChildren(parent: AbortSignal): number {
  return childrenOf.get(parent)?.size ?? 0
}

/**
 * A child controller that aborts with its parent. The parent holds the child only while the
 * child lives (until it aborts or is released): parents such as the simulator's lifetime and a
 * call's run outlive thousands of children, which must not stay in memory with their calls.
 */
export function childController(parent: AbortSignal): ChildController {
  const child = new AbortController() as ChildController
  // Aborted without a reason, a signal builds a DOMException with its stack: thousands a minute
  // in a busy simulator, for a reason nobody reads (waits reject with AbortedError).
  const abort = child.abort.bind(child)
  child.abort = (reason: unknown = ABORTED) => abort(reason)
  if (parent.aborted) {
    child.abort()
    child.release = () => {}
    return child
  }
  let siblings = childrenOf.get(parent)
  if (!siblings) {
    const all = new Set<() => void>()
    siblings = all
    childrenOf.set(parent, all)
    parent.addEventListener(
      'abort',
      () => {
        for (const abortChild of [...all]) abortChild()
      },
      { once: true },
    )
  }
  const kids = siblings
  const onParentAbort = () => child.abort()
  const release = () => void kids.delete(onParentAbort)
  kids.add(onParentAbort)
  child.release = release
  child.signal.addEventListener('abort', release, { once: true })
  return child
}

/** A timer owned by a call: cleared when the call ends or the simulator closes. */
export function callTimer(call: SimCall, ms: number, fn: () => void): void {
  const timer = setTimeout(() => {
    call.timers.delete(timer)
    fn()
  }, ms)
  call.timers.add(timer)
}

/** Engine time: how many TwiML seconds `ms` of wall time is. */
export function simSeconds(core: Core, fromDate: Date | undefined, to = new Date()): number {
  if (!fromDate) return 0
  return Math.max(0, Math.round((to.getTime() - fromDate.getTime()) / core.timings.secondMs))
}

/** Keeps a background promise visible to close() and out of unhandled rejections. */
export function track(core: Core, promise: Promise<unknown>): void {
  const p = promise.catch((e: unknown) => core.logger?.warn({ err: e }, 'simulator task failed'))
  core.pending.add(p)
  void p.finally(() => core.pending.delete(p))
}

export function isLive(call: SimCall): boolean {
  return call.endedAt === undefined
}

/** Twilio's date format in resources and callbacks: RFC 2822 with a numeric zone. */
export function twilioDate(date: Date | undefined): string | null {
  return date ? date.toUTCString().replace('GMT', '+0000') : null
}
