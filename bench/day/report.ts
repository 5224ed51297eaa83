// The bench's arithmetic, pure so test/unit can check it: percentiles, the callers' outcomes,
// webhook latency per route, and the exactly-once checks on return-call dials.

export interface CallerRecord {
  from: string
  sid?: string
  placedAt: number
  /** The caller entered the queue (joined their conference, on hold). */
  queuedAt?: number
  /** The first agent joined the caller's conference. */
  answeredAt?: number
  agent?: string
  /** Agents who joined after the first: a doubled owner if ever more than 0. */
  extraAgents: number
  /** More agents free than callers waiting ahead, by the bench's own view, when the caller was queued. */
  agentFree?: boolean
  /** The bench's counts behind agentFree: agents free, and callers waiting ahead. */
  freeAgents?: number
  waitingAhead?: number
  willAbandon: boolean
  abandoned?: boolean
  /** The service's TwiML could not be fetched: Twilio's fallback would have answered. */
  dropped?: boolean
  stuck?: boolean
  endedAt?: number
  endStatus?: string
}

export interface WebhookSample {
  route: string
  ms: number
  /** 0: no answer (connection refused, reset, timeout). */
  status: number
  at: number
}

/** Nearest-rank percentile of unsorted numbers; NaN for none. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number
}

export interface RouteLatency {
  n: number
  failed: number
  p50: number
  p99: number
}

export function latencyByRoute(samples: WebhookSample[]): Record<string, RouteLatency> {
  // Pushed, not spread: a copy per sample was quadratic, and at a day's 170,000 samples one call
  // held the simulated Twilio's only thread for seconds (every call's webhooks waited on it).
  const byRoute = new Map<string, WebhookSample[]>()
  for (const s of samples) {
    const list = byRoute.get(s.route)
    if (list) list.push(s)
    else byRoute.set(s.route, [s])
  }
  const out: Record<string, RouteLatency> = {}
  for (const [route, list] of [...byRoute].sort((a, b) => b[1].length - a[1].length)) {
    const ms = list.map((s) => s.ms)
    out[route] = {
      n: list.length,
      failed: list.filter((s) => s.status === 0 || s.status >= 500).length,
      p50: percentile(ms, 50),
      p99: percentile(ms, 99),
    }
  }
  return out
}

export interface CallerSummary {
  offered: number
  queued: number
  answered: number
  answeredWithin15s: number
  /** Callers queued while an agent was free, and how many of them were answered within 15 s. */
  queuedWithAgentFree: number
  answeredWithin15sWhenFree: number
  abandoned: number
  dropped: number
  stuck: number
  notEnded: number
  doubledAgents: number
  webhook: Record<string, RouteLatency>
  webhookAll: RouteLatency
}

const within = (c: CallerRecord) =>
  c.answeredAt !== undefined && c.queuedAt !== undefined && c.answeredAt - c.queuedAt <= 15_000

/** Callers queued while an agent was free for them and not answered within 15 s: each a miss. */
export function missedWhenFree(callers: CallerRecord[]): CallerRecord[] {
  return callers.filter((c) => c.agentFree && !within(c))
}

export function summarise(callers: CallerRecord[], webhooks: WebhookSample[]): CallerSummary {
  const free = callers.filter((c) => c.agentFree)
  const all = webhooks.map((w) => w.ms)
  return {
    offered: callers.length,
    queued: callers.filter((c) => c.queuedAt !== undefined).length,
    answered: callers.filter((c) => c.answeredAt !== undefined).length,
    answeredWithin15s: callers.filter(within).length,
    queuedWithAgentFree: free.length,
    answeredWithin15sWhenFree: free.filter(within).length,
    abandoned: callers.filter((c) => c.abandoned).length,
    dropped: callers.filter((c) => c.dropped).length,
    stuck: callers.filter((c) => c.stuck).length,
    notEnded: callers.filter((c) => c.endedAt === undefined).length,
    doubledAgents: callers.filter((c) => c.extraAgents > 0).length,
    webhook: latencyByRoute(webhooks),
    webhookAll: {
      n: webhooks.length,
      failed: webhooks.filter((w) => w.status === 0 || w.status >= 500).length,
      p50: percentile(all, 50),
      p99: percentile(all, 99),
    },
  }
}

/** Return-call dials per callback attempt: an attempt dialled twice is a doubled callback. */
export function doubledDials(dials: { cb: string; a: string; to: string }[]): string[] {
  // Per number: a person-first return call dials the person, then the caller, in one attempt.
  const seen = new Map<string, number>()
  for (const d of dials) {
    const key = `${d.cb}/${d.a}/${d.to}`
    seen.set(key, (seen.get(key) ?? 0) + 1)
  }
  return [...seen].filter(([, n]) => n > 1).map(([k]) => k)
}

/** Samples inside [from, from + windowMs). */
export function inWindow<T extends { at: number }>(list: T[], from: number, windowMs: number): T[] {
  return list.filter((x) => x.at >= from && x.at < from + windowMs)
}

/**
 * Failed webhooks outside every fault's window: what the faults do not explain. In a day without
 * faults, every failure.
 */
export function failuresOutsideFaults<T extends { at: number }>(
  failures: T[],
  faultTimes: number[],
  windowMs: number,
): T[] {
  return failures.filter((x) => !faultTimes.some((at) => x.at >= at && x.at < at + windowMs))
}

export interface LatencyWindow {
  from: number
  n: number
  p99: number
  max: number
}

/**
 * The day cut into windows of `windowMs` from `start`, the `top` with the highest p99 first:
 * whether a p99 is a slow day or a few slow moments (a checkpoint, a pause, a periodic duty).
 */
export function worstWindows(
  samples: WebhookSample[],
  start: number,
  windowMs: number,
  top: number,
): LatencyWindow[] {
  const byWindow = new Map<number, number[]>()
  for (const s of samples) {
    const k = Math.floor((s.at - start) / windowMs)
    const list = byWindow.get(k)
    if (list) list.push(s.ms)
    else byWindow.set(k, [s.ms])
  }
  return [...byWindow]
    .map(([k, ms]) => ({
      from: start + k * windowMs,
      n: ms.length,
      p99: percentile(ms, 99),
      max: Math.max(...ms),
    }))
    .sort((a, b) => b.p99 - a.p99)
    .slice(0, top)
}

/**
 * From Prometheus text of one or more instances: the share of a histogram's observations at or
 * under each bucket bound, summed over every label set (the service's own view of its latency).
 */
export function histogramShares(texts: string[], name: string): Map<number, number> {
  const counts = new Map<number, number>()
  let total = 0
  const line = new RegExp(`^${name}_bucket\\{[^}]*le="([^"]+)"[^}]*\\} (\\S+)$`)
  for (const text of texts) {
    for (const l of text.split('\n')) {
      const m = line.exec(l)
      if (!m) continue
      const v = Number(m[2])
      if (m[1] === '+Inf') total += v
      else counts.set(Number(m[1]), (counts.get(Number(m[1])) ?? 0) + v)
    }
  }
  return new Map(
    [...counts].sort((a, b) => a[0] - b[0]).map(([le, n]) => [le, total ? n / total : NaN]),
  )
}

/** From Prometheus text of one or more instances: an unlabelled counter's total over all. */
export function counterSum(texts: string[], name: string): number {
  const line = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`)
  let sum = 0
  for (const text of texts)
    for (const l of text.split('\n')) {
      const m = line.exec(l)
      if (m) sum += Number(m[1])
    }
  return sum
}

/** A service's `slow webhook` log line (SLOW_WEBHOOK_MS, src/metrics/webhook-trace.ts). */
export interface SlowWebhook {
  route: string
  ms: number
  dbMs: number
  queries: number
  poolWaitMs: number
  redisMs: number
  twilioMs: number
  otherMs: number
  cpuMs: number
  slowestQueryMs: number
  slowestQuery: string
}

export interface SlowWebhookSummary {
  n: number
  byRoute: [route: string, n: number][]
  /** Each part's share of all the slow webhooks' time. */
  shares: Record<'db' | 'poolWait' | 'redis' | 'twilio' | 'other', number>
  /** Median over the slow webhooks: their process's CPU while each was in flight, per ms of it. */
  cpuPerMsP50: number
  /** The statements that were a slow webhook's slowest, most time first: text, times, ms in all. */
  slowestQueries: { query: string; n: number; ms: number }[]
}

/** Where the slow webhooks' time went, over all of them: what a tail is made of. */
export function summariseSlowWebhooks(list: SlowWebhook[]): SlowWebhookSummary {
  const byRoute = new Map<string, number>()
  for (const w of list) byRoute.set(w.route, (byRoute.get(w.route) ?? 0) + 1)
  const sum = (f: (w: SlowWebhook) => number) => list.reduce((a, w) => a + f(w), 0)
  const queries = new Map<string, { query: string; n: number; ms: number }>()
  for (const w of list) {
    const q = queries.get(w.slowestQuery) ?? { query: w.slowestQuery, n: 0, ms: 0 }
    queries.set(w.slowestQuery, { query: q.query, n: q.n + 1, ms: q.ms + w.slowestQueryMs })
  }
  const all = sum((w) => w.ms) || NaN
  return {
    n: list.length,
    byRoute: [...byRoute].sort((a, b) => b[1] - a[1]),
    shares: {
      db: sum((w) => w.dbMs) / all,
      poolWait: sum((w) => w.poolWaitMs) / all,
      redis: sum((w) => w.redisMs) / all,
      twilio: sum((w) => w.twilioMs) / all,
      other: sum((w) => w.otherMs) / all,
    },
    cpuPerMsP50: percentile(
      list.map((w) => w.cpuMs / w.ms),
      50,
    ),
    slowestQueries: [...queries.values()].sort((a, b) => b.ms - a.ms),
  }
}

export interface LockWait {
  at: number
  /** The lock's mode and what it is on: `ShareLock on transaction`, `ExclusiveLock on tuple`. */
  lock: string
  ms: number
  /** Where it waited (`while updating tuple (0,7) in relation "agents"`), if Postgres said. */
  context: string
  statement: string
}

/**
 * Lock waits longer than deadlock_timeout, from a Postgres log written with log_lock_waits=on
 * and log_line_prefix '%m ': each `process N acquired … after X ms` with its CONTEXT and
 * STATEMENT lines (a wait that never ended in the lock, a deadlock or a cancel, is left out).
 */
export function lockWaits(logText: string): LockWait[] {
  const out: LockWait[] = []
  let current: LockWait | undefined
  let inStatement = false
  for (const line of logText.split('\n')) {
    const m = /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) \w+ (\w+):\s+(.*)$/.exec(line)
    if (!m) {
      // A statement's later lines come unprefixed.
      if (current && inStatement) current.statement += ` ${line.trim()}`
      continue
    }
    inStatement = m[2] === 'STATEMENT'
    const [, stamp, kind, text] = m as unknown as [string, string, string, string]
    if (kind === 'LOG') {
      current = undefined
      const a = /^process \d+ acquired (\w+) on (\w+).* after ([\d.]+) ms/.exec(text)
      if (a) {
        current = {
          at: Date.parse(`${stamp.replace(' ', 'T')}Z`),
          lock: `${a[1]} on ${a[2]}`,
          ms: Number(a[3]),
          context: '',
          statement: '',
        }
        out.push(current)
      }
    } else if (current && kind === 'CONTEXT') current.context = text.replace(/\(\d+,\d+\)/, '')
    else if (current && kind === 'STATEMENT') current.statement = text.replace(/\s+/g, ' ')
  }
  return out
}
