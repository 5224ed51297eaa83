// The simulated Twilio for bench/day.ts, in a process of its own. It is the project's own
// simulator engine (src/telephony/simulator: it runs our TwiML the way Twilio does and signs every
// webhook with the auth token), given an HTTP REST edge so separate service processes can call it,
// and a crowd: callers phoning in at a given rate, N agents, the duty supervisor, and the callers
// again when they are rung back. Webhooks go to the load balancer (PUBLIC_BASE_URL).
//
// Control over HTTP on its port: POST /rest (the service's REST requests), POST /sign-in (every
// agent logs in, before the day), POST /start,
// POST /stop (no more new calls), GET /live (calls not yet ended: cheap, polled while draining),
// GET /stats (everything, once at the end).
import { createServer, type IncomingMessage } from 'node:http'
import { monitorEventLoopDelay } from 'node:perf_hooks'

import { createHttpTransport } from '../../src/telephony/simulator/http-transport.ts'
import { createSimulator } from '../../src/telephony/simulator/simulator.ts'
import type { SimEvent } from '../../src/telephony/simulator/types.ts'
import { type CallerRecord, summarise, type WebhookSample, worstWindows } from './report.ts'

interface Options {
  port: number
  accountSid: string
  authToken: string
  lbUrl: string
  hotline: string
  rate: number
  agents: string[]
  supervisors: string[]
  speed: number
  wrapUpSeconds: number
  holdClipSeconds: number
  abandonShare: number
  workDoneShare: number
  pressTwoShare: number
  password: string
}
const o = JSON.parse(process.argv[2] ?? '{}') as Options
const s = (seconds: number) => (seconds * 1000) / o.speed
const between = (a: number, b: number) => a + Math.random() * (b - a)

const http = createHttpTransport()
const webhooks: WebhookSample[] = []
let withdrawn = 0
const sim = createSimulator({
  accountSid: o.accountSid,
  authToken: o.authToken,
  resolveNumber: () => ({
    voiceUrl: `${o.lbUrl}/voice/incoming`,
    statusCallback: `${o.lbUrl}/voice/status`,
  }),
  // A <Play> lasts as long as its audio: the service's hold clip (the only audio it plays).
  timings: { playMs: s(o.holdClipSeconds) },
  // Every webhook timed as Twilio sees it: from sending to the whole answer.
  transport: async (req) => {
    const route = new URL(req.url).pathname
    const t0 = performance.now()
    try {
      const res = await http.send(req)
      webhooks.push({ route, ms: performance.now() - t0, status: res.status, at: Date.now() })
      return res
    } catch (e) {
      // Twilio itself gave up on it (the caller's hold music stopped because an agent joined,
      // the caller hung up): not a webhook the service failed, and not one anybody waited for.
      if (req.signals.some((signal) => signal.aborted)) withdrawn++
      else webhooks.push({ route, ms: performance.now() - t0, status: 0, at: Date.now() })
      throw e
    }
  },
})

type Role = 'caller' | 'agent' | 'callee'
interface Leg {
  role: Role
  address: string
  gathers: number
  joinedAt?: number
  caller?: CallerRecord
}
const legs = new Map<string, Leg>()
const callers: CallerRecord[] = []
const byConference = new Map<string, CallerRecord>()
// The bench's own view of each agent: on a call (ringing or talking), or in after-call work.
const agentBusy = new Map<string, { onCall: number; until: number }>()
for (const a of [...o.agents, ...o.supervisors]) {
  sim.registerDevice(a)
  agentBusy.set(a, { onCall: 0, until: 0 })
}
const supervisors = new Set(o.supervisors)
const restOps = new Map<string, number>()
const dials: { cb: string; a: string; at: number; to: string }[] = []
const errors: { at: number; role: Role | 'unknown'; code: number }[] = []
const workDone = { asked: 0, ok: 0, failed: 0, reasons: {} as Record<string, number> }
function noteWorkDoneFailure(reason: string): void {
  workDone.reasons[reason] = (workDone.reasons[reason] ?? 0) + 1
}

function waitingCallers(): number {
  let n = 0
  for (const c of byConference.values()) if (!c.answeredAt && !c.endedAt) n++
  return n
}

function freeAgents(now: number): number {
  let n = 0
  for (const a of o.agents) {
    const b = agentBusy.get(a)
    if (b && b.onCall === 0 && b.until <= now) n++
  }
  return n
}

const later = (ms: number, fn: () => void) =>
  setTimeout(() => {
    try {
      fn()
    } catch {
      // the call ended meanwhile
    }
  }, ms)

function onEvent(e: SimEvent): void {
  const sid = e.callSid
  if (!sid) return
  const leg = legs.get(sid)
  switch (e.type) {
    case 'incoming': {
      const role: Role = e.address.startsWith('client:') ? 'agent' : 'callee'
      legs.set(sid, { role, address: e.address, gathers: 0 })
      const b = agentBusy.get(e.address)
      if (b) b.onCall++
      later(s(between(2, 6)), () => sim.answer(sid))
      return
    }
    case 'gather': {
      if (!leg) return
      leg.gathers++
      let digits: string | undefined
      if (leg.role === 'caller') digits = leg.gathers <= 3 ? '1' : undefined
      else if (leg.role === 'agent') digits = '1'
      else if (leg.gathers === 1) digits = Math.random() < o.pressTwoShare ? '2' : '1'
      else if (leg.gathers === 2) digits = String(1 + Math.floor(Math.random() * 5))
      if (digits) later(300, () => sim.press(sid, digits))
      return
    }
    case 'record': {
      // Voicemail: leave a short message, then hang up.
      if (leg?.role === 'caller') later(s(5), () => sim.hangup(sid))
      return
    }
    case 'conference-join': {
      if (!leg) return
      const now = Date.now()
      if (leg.role === 'caller' && leg.caller && !leg.caller.queuedAt) {
        const c = leg.caller
        c.queuedAt = now
        // Free for this caller: more agents free than callers ahead of them still waiting (the
        // queue is first come, first served; one free agent is not free for the 300th in line).
        c.freeAgents = freeAgents(now)
        c.waitingAhead = waitingCallers()
        c.agentFree = c.freeAgents > c.waitingAhead
        byConference.set(e.conferenceSid, c)
        if (c.willAbandon) {
          later(s(between(5, 40)), () => {
            if (c.answeredAt || c.endedAt) return
            c.abandoned = true
            sim.hangup(sid)
          })
        }
      } else if (leg.role === 'agent' && !leg.joinedAt) {
        leg.joinedAt = now
        const c = byConference.get(e.conferenceSid)
        if (c && !c.answeredAt) {
          c.answeredAt = now
          c.agent = leg.address
        } else if (c && c.agent !== leg.address) {
          c.extraAgents++
        }
        // Talk, then the agent hangs up; a return call's person-first leg talks briefly.
        const talk = c ? between(30, 120) : between(10, 20)
        later(s(talk), () => {
          sim.hangup(sid)
          if (c && !c.endedAt) later(2000, () => c.sid && sim.hangup(c.sid))
          if (c && Math.random() < o.workDoneShare && !supervisors.has(leg.address))
            void reportWorkDone(leg.address)
        })
      }
      return
    }
    case 'answered': {
      // Safety nets: nobody stays on a return call forever.
      if (leg?.role === 'callee') later(s(90), () => sim.hangup(sid))
      return
    }
    case 'error': {
      errors.push({ at: Date.now(), role: leg?.role ?? 'unknown', code: e.code })
      if (leg?.caller && !leg.caller.answeredAt) leg.caller.dropped = true
      return
    }
    case 'ended': {
      if (!leg) return
      const now = Date.now()
      if (leg.role === 'agent') {
        const b = agentBusy.get(leg.address)
        if (b) {
          b.onCall = Math.max(0, b.onCall - 1)
          if (leg.joinedAt) b.until = Math.max(b.until, now + o.wrapUpSeconds * 1000)
        }
      }
      if (leg.caller) {
        leg.caller.endedAt = now
        leg.caller.endStatus = e.status
      }
      // Keep the leg only while other events may still name it.
      later(60_000, () => legs.delete(sid))
      return
    }
    default:
      return
  }
}
sim.subscribe(onEvent)

// Agents' tokens: each signs in before the day (signInAll), or else when first reporting work done.
const tokens = new Map<string, Promise<string>>()
async function api(path: string, init: RequestInit = {}, token?: string): Promise<Response> {
  return fetch(`${o.lbUrl}${path}`, {
    ...init,
    headers: {
      'content-type': 'application/json',
      ...(token && { authorization: `Bearer ${token}` }),
    },
  })
}
async function tokenOf(address: string): Promise<string> {
  let t = tokens.get(address)
  if (!t) {
    const jobNumber = address.replace('client:agent-', '')
    t = api('/api/auth/login', {
      method: 'POST',
      body: JSON.stringify({ jobNumber, password: o.password }),
    }).then(async (r) => ((await r.json()) as { token: string }).token)
    tokens.set(address, t)
    t.catch(() => tokens.delete(address))
  }
  return t
}
async function reportWorkDone(address: string): Promise<void> {
  workDone.asked++
  try {
    await new Promise((r) => setTimeout(r, s(5)))
    const token = await tokenOf(address)
    const listed = await api('/api/cases/mine', {}, token)
    // An error answer (a restart under --faults) is reported as what it is.
    if (!listed.ok)
      throw new Error(`my cases: ${listed.status} ${(await listed.text()).slice(0, 120)}`)
    const mine = (await listed.json()) as { cases: { reference: string; status: string }[] }
    const open = mine.cases.filter((c) => c.status === 'open' || c.status === 'in_progress')
    const ref = open
      .map((c) => c.reference)
      .sort()
      .at(-1)
    if (!ref) throw new Error('no open case')
    const patched = await api(
      `/api/cases/${ref}`,
      {
        method: 'PATCH',
        body: JSON.stringify({ place: 'Block 3, Room 201', content: 'Tap leaks' }),
      },
      token,
    )
    const done = await api(
      `/api/cases/${ref}/work-done`,
      { method: 'POST', body: JSON.stringify({ summary: 'Replaced the washer' }) },
      token,
    )
    if (patched.ok && done.ok) workDone.ok++
    else {
      workDone.failed++
      const bad = patched.ok ? done : patched
      noteWorkDoneFailure(`${bad.status} ${(await bad.text()).slice(0, 160)}`)
    }
  } catch (e) {
    workDone.failed++
    noteWorkDoneFailure(e instanceof Error ? e.message : String(e))
  }
}

/**
 * Every agent signs in before the day starts, as at the start of a shift: the service's first
 * cases then do not wait behind hundreds of logins, each a deliberately slow password hash (about
 * 50 ms of CPU), which the bench used to make in the middle of each agent's first call.
 */
async function signInAll(): Promise<{ signedIn: number; failed: number }> {
  const queue = o.agents.filter((a) => !supervisors.has(a))
  let failed = 0
  const one = async (): Promise<void> => {
    for (let a = queue.pop(); a; a = queue.pop()) await tokenOf(a).catch(() => failed++)
  }
  // A few at a time, as people arriving: both web instances' hashing threads kept busy.
  await Promise.all(Array.from({ length: 8 }, one))
  return { signedIn: tokens.size, failed }
}

let placed = 0
let ticker: NodeJS.Timeout | undefined
let startedAt = 0
// This process's own stalls: each webhook is timed here, so a stall here shows as a slow webhook.
const loopDelay = monitorEventLoopDelay({ resolution: 10 })
function start(): void {
  const t0 = Date.now()
  startedAt = t0
  loopDelay.enable()
  ticker = setInterval(() => {
    const due = Math.floor(((Date.now() - t0) / 1000) * o.rate)
    while (placed < due) placeOne()
  }, 50)
}
function placeOne(): void {
  const i = placed++
  const from = `+86139${String(i).padStart(8, '0')}`
  const c: CallerRecord = {
    from,
    placedAt: Date.now(),
    willAbandon: Math.random() < o.abandonShare,
    extraAgents: 0,
  }
  callers.push(c)
  // The caller's own phone, so a return call rings it.
  sim.registerDevice(from)
  sim.placeCall({ from, to: o.hotline, callerName: 'BENCH CALLER', fromCity: 'HANGZHOU' }).then(
    ({ callSid }) => {
      c.sid = callSid
      legs.set(callSid, { role: 'caller', address: from, gathers: 0, caller: c })
      // Nobody holds on for more than 10 minutes: a stuck call is counted, not left ringing.
      later(s(600), () => {
        if (!c.endedAt) {
          c.stuck = true
          sim.hangup(callSid)
        }
      })
    },
    () => {
      c.dropped = true
    },
  )
}

const ENDED = new Set(['completed', 'busy', 'failed', 'no-answer', 'canceled'])
function liveCalls(): number {
  return sim.snapshot().calls.filter((c) => !ENDED.has(c.status)).length
}

async function body(req: IncomingMessage): Promise<string> {
  let text = ''
  for await (const chunk of req) text += String(chunk)
  return text
}

const server = createServer((req, res) => {
  void (async () => {
    if (req.url === '/rest') {
      const opts = JSON.parse(await body(req)) as Parameters<typeof sim.httpClient.request>[0]
      const op = `${opts.method.toUpperCase()} ${new URL(opts.uri).pathname
        .replace(/\/Accounts\/AC\w+/, '')
        .replace(/\/(CA|CF)\w{32}/g, '/{$1}')}`
      restOps.set(op, (restOps.get(op) ?? 0) + 1)
      const data = (opts.data ?? {}) as Record<string, string>
      if (op === 'POST /2010-04-01/Calls.json' && data['Url']) {
        const q = new URL(data['Url']).searchParams
        if (q.get('cb'))
          dials.push({
            cb: q.get('cb') ?? '',
            a: q.get('a') ?? '',
            at: Date.now(),
            to: data['To'] ?? '',
          })
      }
      const answer = await sim.httpClient.request(opts)
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify(answer))
      return
    }
    if (req.url === '/sign-in') {
      const r = await signInAll()
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify(r))
      return
    }
    if (req.url === '/start') start()
    if (req.url === '/stop') clearInterval(ticker)
    res.writeHead(200, { 'content-type': 'application/json' })
    if (req.url === '/live') {
      res.end(JSON.stringify({ liveCalls: liveCalls() }))
      return
    }
    if (req.url === '/stats') {
      const live = liveCalls()
      res.end(
        JSON.stringify({
          ...summarise(callers, webhooks),
          placed,
          liveCalls: live,
          restOps: Object.fromEntries(restOps),
          dials,
          errors,
          workDone,
          webhookFailures: webhooks.filter((w) => w.status === 0 || w.status >= 500),
          webhooksWithdrawn: withdrawn,
          worstWindows: worstWindows(webhooks, startedAt, 10_000, 5).map((w) => ({
            ...w,
            from: (w.from - startedAt) / 1000,
          })),
          loopDelayMs: {
            p99: loopDelay.percentile(99) / 1e6,
            max: loopDelay.max / 1e6,
          },
          callers,
        }),
      )
      return
    }
    res.end('{}')
  })().catch((e: unknown) => {
    res.writeHead(500)
    res.end(String(e))
  })
})
server.keepAliveTimeout = 30_000
server.listen(o.port, '127.0.0.1')
process.once('SIGTERM', () => process.exit(0))
