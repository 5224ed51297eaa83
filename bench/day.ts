// `npm run bench:day [-- --minutes 10 --rate 10 --agents 1000 --speed 1 --faults --pg k=v
// --no-live-hints --cpus N]`: a hotline
// day. The whole service in its production roles (2 web behind the load balancer, 2 workers) on
// a private Postgres and Redis, against a simulated Twilio in its own process that phones in at
// `--rate` calls a second for `--minutes` and plays callers and agents (bench/day/twilio.ts).
// Prints calls offered, answered within 15 s, abandoned, webhook p50/p99 per route, REST
// requests per case, return calls and their lateness, CPU per process, and the exactly-once
// checks. --faults kills a web instance, a worker, Redis and Postgres at set minutes and prints,
// for each, calls dropped, webhooks failed and time to recover. Targets (issue 12) are printed
// beside the figures; nothing here asserts on time. --cpu-prof writes a V8 CPU profile of every
// process (the simulated Twilio's too) to a folder it names at the end; read one with
// `npm run bench:profile -- FILE`. --cpus N holds the whole day to N cores' worth of CPU time (a
// cgroup quota, bench/day/cpu-cap.ts; root only): a faster machine playing a slower one.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'

import { sql } from 'kysely'

import { createDb } from '../src/db/database.ts'
import { DEMO_PASSWORD, loadDemoData } from '../src/db/demo-data.ts'
import { migrateToLatest } from '../src/db/migrate.ts'
import { MISSED_OFFERS_PAUSE_REASON } from '../src/domain/missed-offers.ts'
import { createLogger } from '../src/logger.ts'
import { capCpus, type CpuCap } from './day/cpu-cap.ts'
import { type LoadBalancer, startLoadBalancer } from './day/lb.ts'
import { traceMisses } from './day/misses.ts'
import { startPgSampler } from './day/pg-sampler.ts'
import { startPrivatePostgres, startPrivateRedisServer } from './day/private-services.ts'
import {
  type CallerRecord,
  counterSum,
  doubledDials,
  failuresOutsideFaults,
  histogramShares,
  inWindow,
  type LatencyWindow,
  type LockWait,
  lockWaits,
  missedWhenFree,
  percentile,
  type SlowWebhook,
  summariseSlowWebhooks,
  type WebhookSample,
} from './day/report.ts'

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    rate: { type: 'string', default: '10' },
    agents: { type: 'string', default: '1000' },
    speed: { type: 'string', default: '1' },
    faults: { type: 'boolean', default: false },
    'cpu-prof': { type: 'boolean', default: false },
    // A Postgres server setting for the day's private server, as name=value; may repeat.
    pg: { type: 'string', multiple: true, default: [] },
    // The console's live hints (NOTIFY from triggers, migration 000900) off: what they cost.
    'no-live-hints': { type: 'boolean', default: false },
    // The whole day held to this many cores' worth of CPU (bench/day/cpu-cap.ts): a slower machine.
    cpus: { type: 'string' },
  },
})
const MINUTES = Number(args.minutes)
const RATE = Number(args.rate)
const AGENTS = Number(args.agents)
const SPEED = Number(args.speed)
const ACCOUNT_SID = `AC${'d'.repeat(32)}`
const AUTH_TOKEN = 'bench-day-auth-token-0123456789ab'
const HOTLINE = '+8657112345'
const WRAP_UP = 30
// The service's built-in hold clip lasts this long; the simulated Twilio plays it for as long,
// as Twilio would, so a waiting caller fetches /voice/hold once per clip.
const HOLD_CLIP_SECONDS = 15
// A return call owed to a caller nobody answered gets its job from the reconciler, which beats
// every minute (RECONCILE_EVERY_MS): past due by more than that and a margin, it is lost.
const LOST_AFTER_MS = 90_000
// Each fault's report, and the failures it may explain, cover the minute after it.
const FAULT_WINDOW_MS = 60_000
const logger = createLogger({ level: 'silent' })

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
  })
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const dir = mkdtempSync(path.join(os.tmpdir(), 'shouwen-day-'))
// Kept after the bench (dir is removed); each process writes its profile when it exits.
const profDir = args['cpu-prof'] ? mkdtempSync(path.join(os.tmpdir(), 'shouwen-day-prof-')) : ''
const nodeFlags = profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []
const children: ChildProcess[] = []
let stopAll = async () => {}
let lb: LoadBalancer | undefined

async function ready(port: number): Promise<boolean> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2000) })
    return r.status === 200
  } catch {
    return false
  }
}
async function until(what: string, ok: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await sleep(200)
  }
}

/**
 * The same machine of this kind has run the same day at very different speeds (Postgres's CPU
 * for the same statements 68 to 230 s): a fixed workload timed in a process of its own, with the
 * service idle, so two runs' figures can be told apart from the machine's.
 */
function machineSpeedMs(): string {
  const work = `const c = require('node:crypto'); const b = Buffer.alloc(1 << 20, 7); const t = performance.now();
for (let i = 0; i < 300; i++) c.createHash('sha256').update(b).digest();
let o = { a: [] }; for (let i = 0; i < 20000; i++) o.a.push({ i, s: 'x' + i });
for (let i = 0; i < 20; i++) JSON.parse(JSON.stringify(o));
process.stdout.write(String(Math.round(performance.now() - t)))`
  const r = spawnSync(process.execPath, ['-e', work], { encoding: 'utf8' })
  return r.stdout || 'unknown'
}

/** The machine's CPU time so far, all cores, in ticks: all of it and the idle part. */
function procStat(): { total: number; idle: number; steal: number } {
  const f = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '')
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number)
  // user nice system idle iowait irq softirq steal
  // steal: time the hypervisor gave this machine's cores to another (counted as busy here).
  return {
    total: f.slice(0, 8).reduce((a, b) => a + b, 0),
    idle: (f[3] ?? 0) + (f[4] ?? 0),
    steal: f[7] ?? 0,
  }
}

/** Postgres's log lines about checkpoints and autovacuum, with their time as epoch ms. */
function postgresEvents(logPath: string): { at: number; text: string }[] {
  let text: string
  try {
    text = readFileSync(logPath, 'utf8')
  } catch {
    return []
  }
  return text.split('\n').flatMap((line) => {
    const m = /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) (\w+) (.*)$/.exec(line)
    if (!m || !/checkpoint (starting|complete)|automatic (vacuum|analyze)/.test(m[3] ?? ''))
      return []
    return [
      { at: Date.parse(`${(m[1] ?? '').replace(' ', 'T')}Z`), text: (m[3] ?? '').slice(0, 200) },
    ]
  })
}

/** utime + stime of a process and its children's, in seconds. */
function cpuSeconds(pid: number | undefined): number {
  if (!pid) return NaN
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
    return (Number(f[11]) + Number(f[12])) / 100 // clock ticks: 100 a second on Linux
  } catch {
    return NaN
  }
}
/**
 * Seconds the process's main thread has waited on a run queue for a core (schedstat): time a
 * webhook spends neither working nor waiting on I/O, but ready and not running.
 */
function runDelaySeconds(pid: number | undefined): number {
  if (!pid) return NaN
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e9
  } catch {
    return NaN
  }
}
function postgresPids(): number[] {
  try {
    const pidFile = readFileSync(path.join(dir, 'pg', 'postmaster.pid'), 'utf8')
    const main = Number(pidFile.split('\n')[0])
    const kids = readFileSync(`/proc/${main}/task/${main}/children`, 'utf8').trim().split(/\s+/)
    return [main, ...kids.filter(Boolean).map(Number)]
  } catch {
    return []
  }
}

// Before anything starts: every process of the day is born inside the quota.
let cpuCap: CpuCap | undefined
try {
  cpuCap = args.cpus === undefined ? undefined : capCpus(Number(args.cpus))
} catch (e) {
  console.error(`bench:day: ${e instanceof Error ? e.message : String(e)}`)
  process.exit(2)
}
try {
  const [pgPort, redisPort, lbPort, edgePort, ...ports] = await Promise.all(
    Array.from({ length: 8 }, freePort),
  )
  const pg = startPrivatePostgres(dir, pgPort as number, args.pg)
  const redis = await startPrivateRedisServer(redisPort as number)
  stopAll = async () => {
    // A profiled process writes its profile on a clean exit: SIGTERM first, then no mercy.
    if (profDir) {
      for (const c of children) c.kill('SIGTERM')
      await sleep(5000)
    }
    for (const c of children) c.kill('SIGKILL')
    lb?.stop()
    redis.stop()
    pg.stop()
  }
  const admin = createDb({ url: pg.url, logger })
  await sql`create database shouwen_day`.execute(admin)
  await admin.destroy()
  const databaseUrl = pg.url.replace(/\/postgres$/, '/shouwen_day')
  const db = createDb({ url: databaseUrl, logger, max: 4 })
  await migrateToLatest(db)
  await sql`create extension if not exists pg_stat_statements`.execute(db)
  await loadDemoData(db)
  if (args['no-live-hints']) {
    for (const [table, trigger] of [
      ['case_events', 'case_events_live'],
      ['notifications', 'notifications_live'],
      ['agent_offers', 'agent_offers_live'],
      ['agents', 'agents_live'],
      ['calls', 'calls_live'],
    ] as const)
      await sql`alter table ${sql.table(table)} disable trigger ${sql.id(trigger)}`.execute(db)
  }
  // The demo agents step aside: only the bench's agents take calls (the duty supervisor stays).
  await db.updateTable('agents').set({ presence: 'away' }).where('role', '=', 'agent').execute()
  const model = await db
    .selectFrom('agents')
    .select(['password_hash', 'department_id'])
    .where('job_number', '=', '1001')
    .executeTakeFirstOrThrow()
  const jobs = Array.from({ length: AGENTS }, (_, i) => String(10001 + i))
  await db
    .insertInto('agents')
    .values(
      jobs.map((j) => ({
        job_number: j,
        name: `Bench ${j}`,
        role: 'agent' as const,
        presence: 'available' as const,
        client_identity: `agent-${j}`,
        phone_number: null,
        department_id: model.department_id,
        password_hash: model.password_hash,
        last_offer_at: null,
      })),
    )
    .execute()

  const lbUrl = `http://127.0.0.1:${lbPort}`
  const edgeUrl = `http://127.0.0.1:${edgePort}`
  const twilio = spawn(
    process.execPath,
    [
      ...nodeFlags,
      path.join(import.meta.dirname, 'day', 'twilio.ts'),
      JSON.stringify({
        port: edgePort,
        accountSid: ACCOUNT_SID,
        authToken: AUTH_TOKEN,
        lbUrl,
        hotline: HOTLINE,
        rate: RATE,
        agents: jobs.map((j) => `client:agent-${j}`),
        supervisors: ['client:agent-2001'],
        speed: SPEED,
        wrapUpSeconds: WRAP_UP,
        holdClipSeconds: HOLD_CLIP_SECONDS,
        abandonShare: 0.05,
        workDoneShare: 0.3,
        pressTwoShare: 0.2,
        password: DEMO_PASSWORD,
      }),
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  )
  children.push(twilio)

  const procs = new Map<string, { port: number; child?: ChildProcess; role: 'web' | 'worker' }>()
  const names = ['web1', 'web2', 'worker1', 'worker2']
  names.forEach((n, i) =>
    procs.set(n, { port: ports[i] as number, role: n.startsWith('web') ? 'web' : 'worker' }),
  )
  const startProc = (name: string) => {
    const p = procs.get(name)
    if (!p) return
    const child = spawn(
      process.execPath,
      [...nodeFlags, path.join(import.meta.dirname, 'day', 'service.ts')],
      {
        env: {
          ...process.env,
          SHOUWEN_ROLE: p.role,
          PORT: String(p.port),
          PUBLIC_BASE_URL: lbUrl,
          TRUST_PROXY: 'true',
          TWILIO_ACCOUNT_SID: ACCOUNT_SID,
          TWILIO_AUTH_TOKEN: AUTH_TOKEN,
          DATABASE_URL: databaseUrl,
          REDIS_URL: redis.url,
          QUEUE_PREFIX: 'shouwenday',
          // Errors, and the slow webhooks' lines: where a webhook's 100 ms or more went.
          LOG_LEVEL: 'warn',
          SLOW_WEBHOOK_MS: '100',
          CALLING_HOURS: '00:00-24:00',
          CONFIRMATION_DELAY_SECONDS: '10',
          WRAP_UP_SECONDS: String(WRAP_UP),
          HOLD_PROGRESS_SECONDS: String(HOLD_CLIP_SECONDS),
          BENCH_TWILIO_EDGE: edgeUrl,
        },
        // Its log (errors only), kept for the summary of errors at the end.
        stdio: ['ignore', openSync(path.join(dir, `${name}.log`), 'a'), 'inherit'],
      },
    )
    p.child = child
    children.push(child)
  }
  for (const n of names) startProc(n)
  for (const [n, p] of procs) await until(`${n} ready`, () => ready(p.port), 120_000)
  lb = startLoadBalancer(dir, lbPort as number, [ports[0] as number, ports[1] as number])
  await until('load balancer', () => ready(lbPort as number))
  console.log(
    `bench:day: ${MINUTES} min at ${RATE} calls/s, ${AGENTS} agents, speed ${SPEED}; load balancer: ${lb.kind === 'haproxy' ? 'HAProxy (/usr/sbin/haproxy)' : 'node round-robin proxy (no haproxy)'}; ` +
      `2 web + 2 workers, private Postgres :${pgPort} and Redis :${redisPort}${args.pg.length ? ` (settings: ${args.pg.join(' ')})` : ''}${args['no-live-hints'] ? '; live hints off' : ''}${cpuCap ? `; CPU held to ${args.cpus} cores (${cpuCap.where})` : ''}${args.faults ? '; with faults' : ''}`,
  )

  // The agents sign in first, as at the start of a shift (each login is a slow password hash).
  const signIn = (await (await fetch(`${edgeUrl}/sign-in`, { method: 'POST' })).json()) as {
    signedIn: number
    failed: number
  }
  console.log(`agents signed in before the day: ${signIn.signedIn} (${signIn.failed} failed)`)

  // CPU is counted from here: start-up (migrations, seeding, sign-in) left out.
  const pidOf = () => ({
    ...Object.fromEntries([...procs].map(([n, p]) => [n, p.child?.pid])),
    twilio: twilio.pid,
    lb: lb?.pid(),
    redis: redis.pid(),
  })
  const cpuAcc = new Map<string, number>() // CPU of processes already killed
  const cpuNow = () => {
    const out: Record<string, number> = {}
    for (const [n, pid] of Object.entries(pidOf())) out[n] = cpuSeconds(pid) + (cpuAcc.get(n) ?? 0)
    out['postgres'] = postgresPids().reduce((sum, p) => sum + (cpuSeconds(p) || 0), 0)
    return out
  }
  const runDelayNow = () => {
    const out: Record<string, number> = {}
    for (const [n, pid] of Object.entries(pidOf())) out[n] = runDelaySeconds(pid)
    // Postgres's backends, each a process: summed, so it counts waits of all of them.
    out['postgres'] = postgresPids().reduce((sum, p) => sum + (runDelaySeconds(p) || 0), 0)
    return out
  }
  const cpu0 = cpuNow()
  const load0 = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')
  const speed0 = machineSpeedMs()
  const t0 = Date.now()
  // The machine's busy share each second (/proc/stat), read beside the slowest windows.
  // And each process's CPU so far, so a window's seconds can be told apart by process.
  const busy: {
    at: number
    share: number
    steal: number
    cpu: Record<string, number>
    runDelay: Record<string, number>
  }[] = []
  let lastStat = procStat()
  const pgSampler = startPgSampler(db)
  // WAL flushes: every commit waits for one (fsync=on), and pg_stat_statements does not see it.
  const walStats = () =>
    sql<{ syncs: number; ms: number }>`
      select wal_sync::float8 as syncs, wal_sync_time::float8 as ms from pg_stat_wal`
      .execute(db)
      .then((r) => r.rows[0] ?? { syncs: NaN, ms: NaN })
      .catch(() => ({ syncs: NaN, ms: NaN }))
  const wal0 = await walStats()
  const busySampler = setInterval(() => {
    const now = procStat()
    const total = now.total - lastStat.total
    busy.push({
      at: Date.now(),
      share: total > 0 ? 1 - (now.idle - lastStat.idle) / total : 0,
      steal: total > 0 ? (now.steal - lastStat.steal) / total : 0,
      cpu: cpuNow(),
      runDelay: runDelayNow(),
    })
    lastStat = now
  }, 1000)
  // An agent the service set away after offers rang out (MISSED_OFFERS_BEFORE_AWAY) sees it on
  // their presence card and comes back 10 s later, as a person at the desk would; each return is
  // counted. (Straight in Postgres rather than through 1,000 logins: the bench's people, not the
  // service under test.)
  let cameBack = 0
  const comeBack = setInterval(() => {
    void db
      .updateTable('agents')
      .set({ presence: 'available', presence_changed_at: new Date(), pause_reason: null })
      .where('presence', '=', 'away')
      .where('pause_reason', '=', MISSED_OFFERS_PAUSE_REASON)
      .where('presence_changed_at', '<', new Date(Date.now() - 10_000))
      .executeTakeFirst()
      .then((r) => (cameBack += Number(r.numUpdatedRows)))
      .catch(() => {}) // Postgres restarting: the next tick
  }, 5000)
  await fetch(`${edgeUrl}/start`, { method: 'POST' })

  // Faults, each at a fifth of the day further on.
  interface Fault {
    name: string
    at: number
    readyAt?: number
  }
  const faults: Fault[] = []
  const allReady = async () =>
    (await Promise.all([...procs.values()].map((p) => ready(p.port)))).every(Boolean) &&
    (await ready(lbPort as number))
  const killAndRestart = async (name: string) => {
    const p = procs.get(name)
    cpuAcc.set(name, (cpuAcc.get(name) ?? 0) + cpuSeconds(p?.child?.pid))
    p?.child?.kill('SIGKILL')
    // A supervisor (systemd Restart=always, RestartSec=5) brings it back.
    await sleep(5000)
    startProc(name)
  }
  const plan: [string, () => Promise<void>][] = [
    ['kill -9 web1 (restarted 5 s later)', () => killAndRestart('web1')],
    ['kill -9 worker1 (restarted 5 s later)', () => killAndRestart('worker1')],
    ['restart Redis (SIGKILL, back empty)', () => redis.restart()],
    ['restart Postgres (pg_ctl restart -m fast)', () => Promise.resolve(pg.restart())],
  ]
  const dayMs = MINUTES * 60_000
  if (args.faults) {
    for (const [i, [name, run]] of plan.entries()) {
      const at = t0 + ((i + 1) * dayMs) / 5
      await sleep(at - Date.now())
      const f: Fault = { name, at: Date.now() }
      faults.push(f)
      console.log(`fault at +${((f.at - t0) / 60_000).toFixed(1)} min: ${name}`)
      await run()
      await until(`recovery from ${name}`, allReady, 120_000).catch(() => {})
      f.readyAt = Date.now()
    }
  }
  await sleep(t0 + dayMs - Date.now())
  await fetch(`${edgeUrl}/stop`, { method: 'POST' })
  const cpu1 = cpuNow()
  const load1 = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')
  const dayEnd = Date.now()
  console.log('calls stopped; draining (calls end, return calls fall due)…')

  // Drain: every call ended at Twilio and in Postgres, and no return call due or being dialled,
  // or 8 minutes. A call row whose final status callback failed is ended by the service's
  // stale-calls duty, which asks Twilio only after STALE_AFTER_MS of quiet: the drain waits for
  // that (it is how the service recovers), and says how many rows it had to wait for.
  const stats = async () =>
    (await (await fetch(`${edgeUrl}/stats`)).json()) as Record<string, unknown>
  const openCallRows = async () =>
    (
      await db
        .selectFrom('calls')
        .select(sql<number>`count(*)::int`.as('n'))
        .where('ended_at', 'is', null)
        .executeTakeFirstOrThrow()
    ).n
  const drainEnd = Date.now() + 8 * 60_000
  let twilioQuiet: { at: number; openRows: number } | undefined
  // Polled every 3 s: the cheap count, not /stats, whose summary of every webhook would hold the
  // simulated Twilio's thread while calls are still ending.
  const liveCalls = async () =>
    ((await (await fetch(`${edgeUrl}/live`)).json()) as { liveCalls: number }).liveCalls
  while (Date.now() < drainEnd) {
    const live = await liveCalls()
    // Return calls being dialled, due, or due within 15 s: their calls are about to start, so the
    // day is not over (a drain that ended on "no live call" alone once left one's row open at the
    // check; so did, once, one that counted only those already due, a second before a retry).
    const dueOrDialling = await db
      .selectFrom('callbacks')
      .select(sql<number>`count(*)::int`.as('n'))
      .where((eb) =>
        eb.or([
          eb('status', '=', 'dialing'),
          eb.and([eb('status', '=', 'pending'), eb('due_at', '<=', new Date(Date.now() + 15_000))]),
        ]),
      )
      .executeTakeFirstOrThrow()
    const open = await openCallRows()
    if (live === 0 && !twilioQuiet) twilioQuiet = { at: Date.now(), openRows: open }
    if (live === 0 && dueOrDialling.n === 0 && open === 0) break
    await sleep(3000)
  }
  clearInterval(comeBack)
  const s = (await stats()) as unknown as {
    offered: number
    queued: number
    answered: number
    answeredWithin15s: number
    queuedWithAgentFree: number
    answeredWithin15sWhenFree: number
    abandoned: number
    dropped: number
    stuck: number
    notEnded: number
    doubledAgents: number
    liveCalls: number
    webhook: Record<string, { n: number; failed: number; p50: number; p99: number }>
    webhookAll: { n: number; failed: number; p50: number; p99: number }
    restOps: Record<string, number>
    dials: { cb: string; a: string; at: number; to: string }[]
    errors: { at: number; role: string; code: number }[]
    workDone: { asked: number; ok: number; failed: number; reasons: Record<string, number> }
    webhookFailures: WebhookSample[]
    worstWindows: LatencyWindow[]
    loopDelayMs: { p99: number; max: number }
    webhooksWithdrawn: number
    callers: CallerRecord[]
  }

  // Checks in Postgres, the source of truth.
  const one = async <T>(q: Promise<T | undefined>) => (await q) as T
  const cases = await one(
    db
      .selectFrom('cases')
      .select([
        sql<number>`count(*)::int`.as('all'),
        sql<number>`count(*) filter (where first_owner_id is null)::int`.as('noOwner'),
      ])
      .where('source', '=', 'call')
      .executeTakeFirst(),
  )
  // Two owners at once: two accepted offers of one case whose agents were both with the caller
  // at the same time. (A case may have two accepted offers honestly: an agent who accepted but
  // never reached the caller's conference is undone and the caller requeued; that agent stays
  // first owner, since ownership never moves, which the second check holds to.)
  const doubledOwners = await one(
    db
      .selectFrom('agent_offers as a')
      .innerJoin('agent_offers as b', (j) =>
        j
          .onRef('b.case_id', '=', 'a.case_id')
          .onRef('b.id', '>', 'a.id')
          .on('b.status', '=', 'accepted')
          .on('b.joined_at', 'is not', null),
      )
      .select(sql<number>`count(distinct a.case_id)::int`.as('n'))
      .where('a.status', '=', 'accepted')
      .where('a.joined_at', 'is not', null)
      .where(sql<boolean>`a.joined_at < coalesce(b.ended_at, 'infinity')`)
      .where(sql<boolean>`b.joined_at < coalesce(a.ended_at, 'infinity')`)
      .executeTakeFirst(),
  )
  const ownerMoved = await one(
    db
      .selectFrom('cases as c')
      .innerJoin(
        (eb) =>
          eb
            .selectFrom('agent_offers')
            .select(['case_id', 'agent_id'])
            .distinctOn('case_id')
            .where('status', '=', 'accepted')
            .orderBy('case_id')
            .orderBy('created_at')
            .as('f'),
        (j) => j.onRef('f.case_id', '=', 'c.id'),
      )
      .select(sql<number>`count(*)::int`.as('n'))
      .whereRef('c.first_owner_id', '!=', 'f.agent_id')
      .executeTakeFirst(),
  )
  const twoAccepted = await one(
    db
      .selectFrom(
        db
          .selectFrom('agent_offers')
          .select('case_id')
          .where('status', '=', 'accepted')
          .groupBy('case_id')
          .having(sql`count(*)`, '>', 1)
          .as('d'),
      )
      .select(sql<number>`count(*)::int`.as('n'))
      .executeTakeFirst(),
  )
  const openCalls = await one(
    db
      .selectFrom('calls')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('ended_at', 'is', null)
      .executeTakeFirst(),
  )
  const cb = await db
    .selectFrom('callbacks')
    .select(['purpose', 'status', sql<number>`count(*)::int`.as('n')])
    .groupBy(['purpose', 'status'])
    .execute()
  const lost = await one(
    db
      .selectFrom('callbacks')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('status', 'in', ['pending', 'dialing'])
      .where('due_at', '<', new Date(Date.now() - LOST_AFTER_MS))
      .executeTakeFirst(),
  )
  const attempts = await db
    .selectFrom('callback_attempts')
    .innerJoin('callbacks', 'callbacks.id', 'callback_attempts.callback_id')
    .select([
      'callback_attempts.started_at',
      'callbacks.due_at',
      'callback_attempts.attempt',
      'callbacks.attempt as last',
      'callbacks.purpose',
    ])
    .execute()
  // First attempts of callbacks that needed only one: their due_at is still the first due time.
  const lateness = new Map<string, number[]>()
  for (const a of attempts.filter((x) => x.attempt === 1 && x.last === 1)) {
    const ms = new Date(a.started_at).getTime() - new Date(a.due_at).getTime()
    lateness.set(a.purpose, [...(lateness.get(a.purpose) ?? []), ms])
  }
  const outcomes = await db
    .selectFrom('callback_attempts')
    .select(['outcome', sql<number>`count(*)::int`.as('n')])
    .groupBy('outcome')
    .execute()
  // Where a caller's wait went, from the record: the first ring of the agent who took the call
  // after queueing (dispatch, earlier waves included), that agent's ring until they picked up,
  // and the whisper and key until the service counted the answer (the service level's clock).
  const stages = await sql<{ stage: string; p50: number; p90: number; p99: number }>`
    with w as (
      select extract(epoch from o.created_at - c.first_enqueued_at) as dispatch,
        extract(epoch from o.answered_at - o.created_at) as ring,
        extract(epoch from c.first_answered_at - o.answered_at) as accept,
        extract(epoch from c.first_answered_at - c.first_enqueued_at) as total
      from calls c
      join agent_offers o on o.call_sid = c.call_sid
        and o.agent_id = c.first_answered_by_agent_id and o.answered_at is not null
      where c.kind = 'caller' and c.first_answered_at is not null
    )
    select stage, percentile_disc(0.5) within group (order by v) as p50,
      percentile_disc(0.9) within group (order by v) as p90,
      percentile_disc(0.99) within group (order by v) as p99
    from w cross join lateral (values ('queued → agent rung', dispatch), ('rung → picked up', ring),
      ('picked up → answer counted', accept), ('queued → answer counted', total)) x(stage, v)
    group by stage order by max(case stage when 'queued → agent rung' then 1
      when 'rung → picked up' then 2 when 'picked up → answer counted' then 3 else 4 end)`.execute(
    db,
  )
  // The service's own view: its webhook and Twilio REST histograms, from every live instance.
  const scrape = async (port: number) =>
    fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5000) })
      .then((r) => r.text())
      .catch(() => '')
  const webTexts = await Promise.all(
    [...procs.values()].filter((p) => p.role === 'web').map((p) => scrape(p.port)),
  )
  const allTexts = [
    ...webTexts,
    ...(await Promise.all(
      [...procs.values()].filter((p) => p.role === 'worker').map((p) => scrape(p.port)),
    )),
  ]
  const doubled = doubledDials(s.dials)
  const restTotal = Object.values(s.restOps).reduce((a, b) => a + b, 0)

  const pct = (a: number, b: number) => (b ? `${((100 * a) / b).toFixed(1)} %` : 'n/a')
  const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : 'n/a')
  console.log(`\n== calls (${MINUTES} min, ${RATE}/s offered, ${AGENTS} agents) ==`)
  console.log(
    `offered ${s.offered}, reached the queue ${s.queued}, answered by an agent ${s.answered}`,
  )
  console.log(
    `answered within 15 s of queueing: ${s.answeredWithin15s} (${pct(s.answeredWithin15s, s.queued)} of queued)`,
  )
  console.log(
    `  of callers queued while an agent was free for them (more free than waiting ahead, bench's view): ${s.answeredWithin15sWhenFree}/${s.queuedWithAgentFree} = ${pct(s.answeredWithin15sWhenFree, s.queuedWithAgentFree)} (target 100 %)`,
  )
  console.log(
    `abandoned in the queue ${s.abandoned}; dropped (TwiML not fetched: Twilio's fallback) ${s.dropped}, of them new calls the service shed while behind (shouwen_calls_shed_total, web instances alive at the end) ${counterSum(webTexts, 'shouwen_calls_shed_total')}; hung up after 10 min ${s.stuck}`,
  )
  console.log(
    `agents set away by the service after offers rang out in a row, then back 10 s later: ${cameBack}`,
  )
  console.log(`where the wait went (seconds, answered callers, from Postgres):`)
  for (const r of stages.rows) {
    console.log(
      `  ${r.stage.padEnd(28)} p50 ${f1(Number(r.p50))}  p90 ${f1(Number(r.p90))}  p99 ${f1(Number(r.p99))}`,
    )
  }
  const missed = missedWhenFree(s.callers)
  if (missed.length) {
    console.log(
      `the ${missed.length} callers queued while an agent was free and not answered within 15 s:`,
    )
    for (const line of await traceMisses(db, missed, { dayStart: t0, limit: 10 }))
      console.log(`  ${line}`)
  }
  console.log(`\n== webhooks (as the simulated Twilio timed them, through the load balancer) ==`)
  console.log(
    `all: ${s.webhookAll.n}, failed ${s.webhookAll.failed}, p50 ${f1(s.webhookAll.p50)} ms, p99 ${f1(s.webhookAll.p99)} ms (target p99 <= 100 ms)` +
      `; besides, ${s.webhooksWithdrawn} withdrawn by Twilio before the answer (a hold-music fetch when the agent joined, a caller who hung up)`,
  )
  for (const [route, r] of Object.entries(s.webhook)) {
    console.log(
      `  ${route.padEnd(28)} n ${String(r.n).padStart(7)}  p50 ${f1(r.p50).padStart(7)} ms  p99 ${f1(r.p99).padStart(7)} ms  failed ${r.failed}`,
    )
  }
  const shares = (texts: string[], name: string) =>
    [...histogramShares(texts, name)]
      .filter(([le]) => le >= 0.05 && le <= 1)
      .map(([le, share]) => `<= ${le * 1000} ms ${pct(share, 1)}`)
      .join(', ')
  console.log(
    `  at the service (its /metrics, from request to answer): ${shares(webTexts, 'shouwen_webhook_duration_seconds')}`,
  )
  console.log(
    `  the service's Twilio REST requests, as it timed them: ${shares(allTexts, 'shouwen_twilio_request_duration_seconds')}`,
  )
  console.log(
    `  the simulated Twilio's own event-loop delay (it times every webhook): p99 ${f1(s.loopDelayMs.p99)} ms, max ${f1(s.loopDelayMs.max)} ms`,
  )
  console.log(
    `  slowest 10-s windows (seconds into the day: p99 / max, n): ${s.worstWindows.map((w) => `+${w.from.toFixed(0)}: ${f1(w.p99)} / ${f1(w.max)} ms, ${w.n}`).join('; ')}`,
  )
  // Sampled through the drain too: its webhooks count in the windows as well.
  clearInterval(busySampler)
  pgSampler.stop()
  const pgPer10s = pgSampler.msPer10s()
  // What the machine and Postgres were doing then: the tail comes in bursts, and a checkpoint's
  // or an autovacuum's writes slow every commit's WAL flush.
  const pgEvents = postgresEvents(pg.logPath).filter((e) => e.at >= t0)
  const locks = lockWaits(readFileSync(pg.logPath, 'utf8')).filter((w) => w.at >= t0)
  for (const w of s.worstWindows) {
    const from = t0 + w.from * 1000
    const inWin = busy.filter((b) => b.at > from && b.at <= from + 11_000)
    const share = inWin.reduce((a, b) => a + b.share, 0) / Math.max(1, inWin.length)
    const steal = inWin.reduce((a, b) => a + b.steal, 0) / Math.max(1, inWin.length)
    const near = pgEvents.filter((e) => e.at >= from - 15_000 && e.at <= from + 10_000)
    const kinds = ['checkpoint starting', 'automatic vacuum', 'automatic analyze'].flatMap((k) => {
      const of = near.filter((e) => e.text.includes(k))
      return of.length
        ? [`${k} ×${of.length} from +${(((of[0]?.at ?? t0) - t0) / 1000).toFixed(0)} s`]
        : []
    })
    // CPU seconds of each process over the window (Postgres: of its processes alive at each end),
    // and seconds each waited for a core.
    const perProcess = (first?: Record<string, number>, last?: Record<string, number>) =>
      first && last
        ? Object.keys(last)
            .map((n) => [n, (last[n] ?? 0) - (first[n] ?? 0)] as const)
            // Negative: the process was restarted (a fault), or Postgres backends exited.
            .filter(([, v]) => Number.isFinite(v) && v >= 0)
            .sort((a, b) => b[1] - a[1])
            .map(([n, v]) => `${n} ${v.toFixed(1)}`)
            .join(', ')
        : 'n/a'
    const byProcess = perProcess(inWin[0]?.cpu, inWin.at(-1)?.cpu)
    const waited = perProcess(inWin[0]?.runDelay, inWin.at(-1)?.runDelay)
    console.log(
      `    +${w.from.toFixed(0)}: machine ${pct(share, 1)} busy, ${pct(steal, 1)} stolen by the host (CPU s: ${byProcess}; waiting for a core, s: ${waited}); Postgres from 15 s before: ${kinds.join(', ') || 'no checkpoint or autovacuum'}`,
    )
    // Which statements Postgres ran then, against its usual 10 s (pg_stat_statements, 2-s samples).
    const ran = await pgSampler.between(from, from + 10_000, 4)
    const waits = inWindow(locks, from, 10_000)
    console.log(
      `      statements' time ${f1(ran.totalMs)} ms (the day's 10 s: ${f1(pgPer10s)} ms); lock waits over 20 ms: ${waits.length}, ${f1(waits.reduce((a, w) => a + w.ms, 0))} ms: ${ran.top.map((t) => `${f1(t.ms)} ms / ${t.calls} × ${t.query}`).join(' | ')}`,
    )
  }
  const dayBusy = busy.reduce((a, b) => a + b.share, 0) / Math.max(1, busy.length)
  const daySteal = busy.reduce((a, b) => a + b.steal, 0) / Math.max(1, busy.length)
  console.log(
    `  machine busy over the day and its drain ${pct(dayBusy, 1)}, of it stolen by the host ${pct(daySteal, 1)} (seconds over 90 %: ${busy.filter((b) => b.share > 0.9).length} of ${busy.length}); Postgres: ${pgEvents.filter((e) => e.text.includes('checkpoint starting')).length} checkpoints, ${pgEvents.filter((e) => e.text.includes('automatic vacuum')).length} autovacuums, ${pgEvents.filter((e) => e.text.includes('automatic analyze')).length} autoanalyzes`,
  )
  printLockWaits(locks)
  // Each new connection is a new backend, whose first statements on each table and prepared
  // statement cost extra: how often the pools opened one (log_connections) tells the churn.
  const connections = readFileSync(pg.logPath, 'utf8')
    .split('\n')
    .filter(
      (l) =>
        l.includes('connection authorized') &&
        Date.parse(`${l.slice(0, 23).replace(' ', 'T')}Z`) >= t0,
    ).length
  console.log(`  Postgres connections opened during the day and its drain: ${connections}`)
  const wal1 = await walStats()
  console.log(
    `  WAL flushes (each commit waits for one): ${wal1.syncs - wal0.syncs}, ${f1((wal1.ms - wal0.ms) / Math.max(1, wal1.syncs - wal0.syncs))} ms each on average (a Postgres restart resets the count)`,
  )
  if (s.webhookFailures.length) {
    const why = new Map<string, number>()
    for (const w of s.webhookFailures) {
      const k = `${w.route} ${w.status === 0 ? 'no answer' : w.status}`
      why.set(k, (why.get(k) ?? 0) + 1)
    }
    console.log(
      `  failed: ${[...why].map(([k, n]) => `${k} ×${n}`).join(', ')}; at +${s.webhookFailures
        .slice(0, 10)
        .map((w) => ((w.at - t0) / 1000).toFixed(1))
        .join(', ')} s`,
    )
  }
  console.log(
    `\n== Twilio REST requests: ${restTotal}, ${(restTotal / Math.max(1, cases.all)).toFixed(1)} per case (${cases.all} phone cases) ==`,
  )
  for (const [op, n] of Object.entries(s.restOps).sort((a, b) => b[1] - a[1]))
    console.log(`  ${op.padEnd(52)} ${n}`)
  console.log(`\n== return calls ==`)
  console.log(
    `work done reported by agents: ${s.workDone.ok} (${s.workDone.failed} failed of ${s.workDone.asked})`,
  )
  for (const [reason, n] of Object.entries(s.workDone.reasons ?? {})
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5))
    console.log(`  failed ${n}: ${reason}`)
  console.log(`callbacks: ${cb.map((r) => `${r.purpose}/${r.status} ${r.n}`).join(', ')}`)
  console.log(
    `dials: ${s.dials.length}; attempt outcomes: ${outcomes.map((o) => `${o.outcome ?? 'open'} ${o.n}`).join(', ')}`,
  )
  for (const [purpose, ms] of lateness) {
    console.log(
      `lateness of first attempts, ${purpose} (dial - due): p50 ${f1(percentile(ms, 50) / 1000)} s, p99 ${f1(percentile(ms, 99) / 1000)} s, max ${f1(Math.max(...ms) / 1000)} s (n ${ms.length})`,
    )
  }
  // Where Postgres's time went, whole statements (their text shortened), the day and the drain;
  // and which it ran most often, since each is a round trip that wakes Postgres and us.
  const top = (order: 'total_exec_time' | 'calls') =>
    sql<{ calls: number; ms: number; max: number; query: string }>`
    select calls::int, total_exec_time::float8 as ms, max_exec_time::float8 as max,
      left(regexp_replace(query, '\\s+', ' ', 'g'), 110) as query
    from pg_stat_statements
    where dbid = (select oid from pg_database where datname = current_database())
    order by ${sql.ref(order)} desc limit 8`
      .execute(db)
      .then((r) => r.rows)
      .catch(() => [])
  for (const [order, title] of [
    ['total_exec_time', 'spent most time on'],
    ['calls', 'ran most often'],
  ] as const) {
    console.log(`\n== Postgres: the statements it ${title} (pg_stat_statements) ==`)
    for (const r of await top(order)) {
      console.log(
        `  ${f1(r.ms / 1000).padStart(6)} s  ${String(r.calls).padStart(7)} calls  ${f1(r.ms / Math.max(1, r.calls)).padStart(6)} ms each, max ${f1(r.max).padStart(6)}  ${r.query}`,
      )
    }
  }
  // Round trips are what a webhook pays most for: each one a wake-up of Postgres and of us.
  const total = await sql<{ calls: number }>`
    select coalesce(sum(calls), 0)::float8 as calls from pg_stat_statements
    where dbid = (select oid from pg_database where datname = current_database())`
    .execute(db)
    .catch(() => ({ rows: [] }))
  const allStatements = total.rows[0]?.calls ?? 0
  console.log(
    `  all statements: ${allStatements}, ${f1(allStatements / Math.max(1, s.webhookAll.n))} per webhook (the workers' included)`,
  )
  console.log(
    `\n== CPU seconds over the ${MINUTES}-min day (2 cores = ${(MINUTES * 120).toFixed(0)} s available) ==`,
  )
  console.log(
    Object.entries(cpu1)
      .map(([n, v]) => `${n} ${f1(v - (cpu0[n] ?? 0))}`)
      .join(', '),
  )
  const rd0 = busy[0]?.runDelay ?? {}
  const rd1 = busy.at(-1)?.runDelay ?? {}
  console.log(
    `seconds each waited for a core over the day and its drain (main threads; Postgres: its processes alive at both ends): ${Object.keys(
      rd1,
    )
      .map((n) => `${n} ${f1((rd1[n] ?? 0) - (rd0[n] ?? 0))}`)
      .join(', ')}`,
  )
  // Other work on the machine (tests, other benches) shows here: the bench's own processes are above.
  console.log(`load average at the start ${load0}, at the end ${load1}`)
  console.log(
    `machine speed (a fixed single-core workload, in ms; lower is faster): ${speed0} just before the day, ${machineSpeedMs()} after the drain`,
  )
  console.log(`\n== checks ==`)
  const check = (ok: boolean, what: string) => console.log(`${ok ? 'PASS' : 'FAIL'} ${what}`)
  // A check over nothing fails: a day whose calls all failed proves nothing.
  check(
    cases.all > 0 && cases.noOwner === 0,
    `every phone case has a first owner (${cases.noOwner} without, of ${cases.all})`,
  )
  check(
    doubledOwners.n === 0 && s.doubledAgents === 0 && ownerMoved.n === 0,
    `no owner doubled (${doubledOwners.n} cases with two accepted agents with the caller at once; ${s.doubledAgents} callers joined by a second agent; ${ownerMoved.n} cases whose first owner is not the agent who first accepted)`,
  )
  console.log(
    `     cases accepted twice, one after the other (a caller requeued: the agent never reached them, or a transfer failed; the first owner kept): ${twoAccepted.n}`,
  )
  check(
    openCalls.n === 0 && s.liveCalls === 0,
    `no call left without an end (${openCalls.n} call rows open, ${s.liveCalls} live at the simulated Twilio)`,
  )
  if (twilioQuiet) {
    console.log(
      `     when the simulated Twilio had no live call (+${((twilioQuiet.at - dayEnd) / 1000).toFixed(0)} s after the day), ${twilioQuiet.openRows} call rows were still open` +
        ` (final status callback failed); the stale-calls duty ended ${twilioQuiet.openRows - openCalls.n} of them by +${((Date.now() - dayEnd) / 1000).toFixed(0)} s`,
    )
  }
  check(lost.n === 0, `no callback lost (${lost.n} past due by 90 s and not dialled)`)
  check(doubled.length === 0, `no callback doubled (${doubled.length} attempts dialled twice)`)
  const answeredAny = s.webhookAll.n > s.webhookAll.failed
  check(
    answeredAny && s.webhookAll.p99 <= 100,
    `webhook p99 <= 100 ms (${f1(s.webhookAll.p99)} ms)`,
  )
  // Item 5's target: only webhooks in flight when a fault struck may fail (counted here over the
  // minute after each, as in the faults' report below); without faults, none.
  const stray = failuresOutsideFaults(
    s.webhookFailures,
    faults.map((f) => f.at),
    FAULT_WINDOW_MS,
  )
  check(
    answeredAny && stray.length === 0,
    `no webhook failed${faults.length ? " outside a fault's minute" : ''} (${stray.length} of ${s.webhookAll.n})`,
  )
  const free = `${s.answeredWithin15sWhenFree}/${s.queuedWithAgentFree}`
  if (faults.length)
    console.log(
      `     answered within 15 s when an agent was free: ${free} (a target of the day without faults)`,
    )
  else
    check(
      s.queuedWithAgentFree > 0 && s.answeredWithin15sWhenFree === s.queuedWithAgentFree,
      `every caller queued while an agent was free answered within 15 s (${free})`,
    )

  if (faults.length) {
    console.log(`\n== faults ==`)
    for (const f of faults) {
      const window = FAULT_WINDOW_MS
      const failed = inWindow(s.webhookFailures, f.at, window)
      const dropped = s.callers.filter(
        (c) => c.dropped && c.placedAt >= f.at - 15_000 && c.placedAt < f.at + window,
      ).length
      const lastFail = failed.at(-1)
      console.log(
        `${f.name}: webhooks failed ${failed.length} in the next minute` +
          ` (last at +${lastFail ? ((lastFail.at - f.at) / 1000).toFixed(1) : 0} s), calls dropped ${dropped},` +
          ` every instance ready again at +${f.readyAt ? ((f.readyAt - f.at) / 1000).toFixed(1) : '?'} s`,
      )
    }
  }
  console.log(
    `(day ${((dayEnd - t0) / 60_000).toFixed(1)} min, drained ${((Date.now() - dayEnd) / 1000).toFixed(0)} s later)`,
  )
  await db.destroy()
} finally {
  await stopAll()
  printServiceErrors(dir)
  rmSync(dir, { recursive: true, force: true })
  cpuCap?.release()
  if (profDir) console.log(`CPU profiles (npm run bench:profile -- FILE): ${profDir}`)
}

/**
 * What the service processes logged at warn level or above, grouped by message (why a webhook
 * failed); the slow webhooks' lines (SLOW_WEBHOOK_MS) summed up apart: what the tail is made of.
 */
function printServiceErrors(logDir: string): void {
  const lines = readdirSync(logDir)
    .filter((f) => f.endsWith('.log'))
    .flatMap((f) => readFileSync(path.join(logDir, f), 'utf8').split('\n').filter(Boolean))
  const byMessage = new Map<string, number>()
  const slow: SlowWebhook[] = []
  for (const line of lines) {
    let key = line.slice(0, 160)
    try {
      const j = JSON.parse(line) as { msg?: string; err?: { message?: string } }
      if (j.msg === 'slow webhook') {
        slow.push(j as unknown as SlowWebhook)
        continue
      }
      key = `${j.msg ?? ''}: ${(j.err?.message ?? '').slice(0, 140)}`
    } catch {
      // not JSON: counted by its start
    }
    byMessage.set(key, (byMessage.get(key) ?? 0) + 1)
  }
  const s = summariseSlowWebhooks(slow)
  const pc = (x: number) => `${(100 * x).toFixed(1)} %`
  console.log(`\n== webhooks of 100 ms or more at the service (its slow-webhook log): ${s.n} ==`)
  if (s.n) {
    console.log(
      `  their time: Postgres statements ${pc(s.shares.db)}, waiting for a connection ${pc(s.shares.poolWait)}, Redis ${pc(s.shares.redis)}, Twilio REST ${pc(s.shares.twilio)}, the rest ${pc(s.shares.other)}` +
        ` (own work and waits for the event loop or a core); the process's CPU while one was in flight, per ms of it: p50 ${s.cpuPerMsP50.toFixed(2)}`,
    )
    console.log(`  by route: ${s.byRoute.map(([r, n]) => `${r} ${n}`).join(', ')}`)
    console.log(`  their slowest statement (times it was, its ms in all, avg):`)
    for (const q of s.slowestQueries.slice(0, 8)) {
      console.log(
        `    ${String(q.n).padStart(5)} × ${(q.ms / 1000).toFixed(1)} s, ${(q.ms / q.n).toFixed(0)} ms avg: ${q.query}`,
      )
    }
  }
  const others = [...byMessage.values()].reduce((a, b) => a + b, 0)
  console.log(`\n== warnings and errors the service logged: ${others} ==`)
  for (const [msg, n] of [...byMessage].sort((a, b) => b[1] - a[1]).slice(0, 8)) {
    console.log(`  ${String(n).padStart(6)}  ${msg}`)
  }
}

/** Lock waits over deadlock_timeout (20 ms) through the day, by lock, place and statement. */
function printLockWaits(locks: LockWait[]): void {
  const groups = new Map<string, { n: number; ms: number; max: number }>()
  for (const w of locks) {
    const key = `${w.lock} ${w.context} | ${w.statement.slice(0, 100)}`
    const g = groups.get(key) ?? { n: 0, ms: 0, max: 0 }
    groups.set(key, { n: g.n + 1, ms: g.ms + w.ms, max: Math.max(g.max, w.ms) })
  }
  console.log(
    `  lock waits over 20 ms in Postgres (log_lock_waits): ${locks.length}, ${(locks.reduce((a, w) => a + w.ms, 0) / 1000).toFixed(1)} s in all`,
  )
  for (const [key, g] of [...groups].sort((a, b) => b[1].ms - a[1].ms).slice(0, 6)) {
    console.log(
      `    ${String(g.n).padStart(5)} × ${(g.ms / g.n).toFixed(0)} ms avg, ${g.max.toFixed(0)} max: ${key}`,
    )
  }
}
