import { AsyncLocalStorage } from 'node:async_hooks'

import type { RequestHandler } from 'express'

/**
 * Where a webhook's time went, for the log line of a slow one (SLOW_WEBHOOK_MS): its time in
 * Postgres statements, waiting for a pooled connection, in Redis (queue jobs) and in Twilio's
 * REST API, each as the awaiting side saw it. What is left is the process's own work and its
 * waits for the event loop or a core. `cpuMs`, the main thread's CPU time while the webhook
 * was in flight, tells those two apart: near `ms`, the loop was busy with other requests; far
 * below it, the process was waiting for a core or for something not timed here.
 *
 * The main thread's, not the whole process's: `process.cpuUsage()` (getrusage of the process)
 * sums every thread's time and took 17.6 % of the web process's CPU profile under
 * `bench:webhook`'s /voice/incoming; `process.threadCpuUsage()` took 1.5 %, and the event loop
 * is the thread whose business the figure is.
 */
export type TracePart = 'db' | 'poolWait' | 'redis' | 'twilio'

export interface WebhookTrace {
  readonly startedAt: number
  readonly cpuAtStart: NodeJS.CpuUsage
  readonly ms: Record<TracePart, number>
  queries: number
  /** The slowest statement's time and its text (values travel apart, as parameters). */
  slowestQueryMs: number
  slowestQuery: string
}

const store = new AsyncLocalStorage<WebhookTrace>()

export function newTrace(): WebhookTrace {
  return {
    startedAt: performance.now(),
    cpuAtStart: process.threadCpuUsage(),
    ms: { db: 0, poolWait: 0, redis: 0, twilio: 0 },
    queries: 0,
    slowestQueryMs: 0,
    slowestQuery: '',
  }
}

/** Adds `ms` to the trace of the webhook this code runs for, if any. */
export function addToTrace(part: TracePart, ms: number): void {
  const t = store.getStore()
  if (t) t.ms[part] += ms
}

/** A Postgres statement of the current webhook's, if any, and its time. */
export function addQueryToTrace(sqlText: string, ms: number): void {
  const t = store.getStore()
  if (!t) return
  t.ms.db += ms
  t.queries++
  if (ms > t.slowestQueryMs) {
    t.slowestQueryMs = ms
    // A reference only: shortened, and stripped of literals, if this webhook is logged.
    t.slowestQuery = sqlText
  }
}

/** Runs `work` and counts its time as `part` of the current webhook's. */
export async function timedPart<T>(part: TracePart, work: () => Promise<T>): Promise<T> {
  if (!store.getStore()) return work()
  const start = performance.now()
  try {
    return await work()
  } finally {
    addToTrace(part, performance.now() - start)
  }
}

const TRACE_KEY = 'shouwenTrace'

/** Starts the request's trace (before anything else runs for it); read back by `traceOf`. */
export function startTrace(locals: Record<string, unknown>): WebhookTrace {
  const t = newTrace()
  locals[TRACE_KEY] = t
  return t
}

export function traceOf(locals: Record<string, unknown>): WebhookTrace | undefined {
  return locals[TRACE_KEY] as WebhookTrace | undefined
}

/**
 * Makes the request's trace the current one for everything after it. Mounted after the body
 * parser: its callback comes from the socket's stream events, which carry the connection's
 * async context, not the request's.
 */
export const traceScope: RequestHandler = (_req, res, next) => {
  const t = traceOf(res.locals)
  if (t) store.run(t, next)
  else next()
}

/** The figures of a finished webhook's trace, rounded for a log line. */
export function traceSummary(t: WebhookTrace): Record<string, number | string> {
  const ms = performance.now() - t.startedAt
  const cpu = process.threadCpuUsage(t.cpuAtStart)
  const timed = t.ms.db + t.ms.poolWait + t.ms.redis + t.ms.twilio
  const r = (x: number) => Math.round(x * 10) / 10
  return {
    ms: r(ms),
    dbMs: r(t.ms.db),
    queries: t.queries,
    poolWaitMs: r(t.ms.poolWait),
    redisMs: r(t.ms.redis),
    twilioMs: r(t.ms.twilio),
    otherMs: r(Math.max(0, ms - timed)),
    cpuMs: r((cpu.user + cpu.system) / 1000),
    slowestQueryMs: r(t.slowestQueryMs),
    // Any literal a statement was built with is left out (a number could be a caller's).
    slowestQuery: t.slowestQuery
      .replace(/'(?:[^']|'')*'/g, "'?'")
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, 100),
  }
}
