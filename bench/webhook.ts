// `npm run bench:webhook`: two of Twilio's webhooks against a bare express route returning fixed
// TwiML, on the same machine, under the same load, in the same run:
// - /voice/incoming: signature check, caller lookup and writes, the menu's TwiML;
// - /voice/hold: the conference's waitUrl, fetched again by Twilio for every waiting caller each
//   time the hold music ends (the hold loop): signature check and the hold TwiML.
// The load runs in its own process (bench/load.ts) so it never shares the server's event loop.
// Targets (issue 12): each route >= 0.5x the bare route, p99 <= 50 ms, at 50 connections.
// BENCH_ROUNDS (3) rounds of the three; the verdict is on the rounds' medians.
// BENCH_PROFILE=<dir> writes a V8 CPU profile of the server during each measured route
// (summarise it with `npm run bench:profile -- <file>`); BENCH_LOG=info logs as production
// does (pino JSON per request, to /dev/null) instead of not at all.
import { execFile } from 'node:child_process'
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { promisify } from 'node:util'

import express from 'express'
import { Redis } from 'ioredis'
import { sql } from 'kysely'
import twilio from 'twilio'

import { loadConfig } from '../src/config.ts'
import { createAppContext } from '../src/context.ts'
import { createDb } from '../src/db/database.ts'
import { loadDemoData } from '../src/db/demo-data.ts'
import { migrateToLatest } from '../src/db/migrate.ts'
import { createApp } from '../src/http/app.ts'
import { ensureDatabase, findOrStartServices, withDatabase } from '../src/infra/local-services.ts'
import { createLogger } from '../src/logger.ts'

const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 50)
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 10)
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3)
const PROFILE_DIR = process.env['BENCH_PROFILE']
const LOG_LEVEL = process.env['BENCH_LOG'] ?? 'silent'
const TOKEN = 'bench-auth-token-0123456789abcdef'
const BASE = 'http://bench.local'
const DB_NAME = 'shouwen_bench_webhook'
const PREFIX = `benchwh${process.pid}`
const quiet = createLogger({ level: 'silent' })
const execFileAsync = promisify(execFile)

type Route = 'incoming' | 'hold'

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}

interface LoadResult {
  rps: number
  p50: number
  p99: number
  bad: number
  total: number
  cpuMs: number
}

/** CPU milliseconds (user + system) of each given process so far, from /proc (Linux). */
function procCpuMs(pids: number[]): Map<number, number> {
  const tick = 10 // USER_HZ is 100 on Linux
  const out = new Map<number, number>()
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      out.set(pid, (Number(f[11]) + Number(f[12])) * tick)
    } catch {
      // a backend that ended meanwhile
    }
  }
  return out
}

/** CPU spent between two readings: a process that started meanwhile counts whole. */
function cpuSpent(before: Map<number, number>, after: Map<number, number>): number {
  let ms = 0
  for (const [pid, t] of after) ms += t - (before.get(pid) ?? 0)
  return ms
}

const services = await findOrStartServices({
  dir: '.local',
  databaseUrl: process.env['DATABASE_URL'],
  redisUrl: process.env['REDIS_URL'],
})
const admin = createDb({ url: withDatabase(services.pgServerUrl, 'postgres'), logger: quiet })
const dropDatabase = () =>
  sql`drop database if exists ${sql.id(DB_NAME)} with (force)`.execute(admin)
await dropDatabase()

try {
  await bench()
} finally {
  await dropDatabase()
  await admin.destroy()
  // The service's queues wrote a few keys under our own prefix; nothing else is touched.
  const redis = new Redis(services.redisUrl)
  const keys = await redis.keys(`${PREFIX}:*`)
  if (keys.length > 0) await redis.del(...keys)
  await redis.quit()
}

async function bench(): Promise<void> {
  const url = await ensureDatabase(services.pgServerUrl, DB_NAME)
  const setupDb = createDb({ url, logger: quiet })
  await migrateToLatest(setupDb)
  await loadDemoData(setupDb)
  await setupDb.destroy()

  const config = loadConfig({
    PUBLIC_BASE_URL: BASE,
    TWILIO_ACCOUNT_SID: `AC${'b'.repeat(32)}`,
    TWILIO_AUTH_TOKEN: TOKEN,
    LOG_LEVEL,
  })
  const logger =
    LOG_LEVEL === 'silent'
      ? quiet
      : createLogger({ level: LOG_LEVEL, destination: createWriteStream('/dev/null') })
  const ctx = createAppContext(config, {
    databaseUrl: url,
    redis: services.redisUrl,
    logger,
    queuePrefix: PREFIX,
    dbPoolSize: 20,
  })
  const service = createApp(ctx, { isShuttingDown: () => false }).listen(0, '127.0.0.1')

  const fixed = new twilio.twiml.VoiceResponse()
  fixed.say({ language: 'zh-CN' }, '您好，这里是首问服务热线。')
  const fixedXml = fixed.toString()
  const bare = express()
  bare.use(express.urlencoded({ extended: false }))
  bare.post(['/voice/incoming', '/voice/hold'], (_req, res) => {
    res.type('text/xml').send(fixedXml)
  })
  const bareServer = bare.listen(0, '127.0.0.1')
  await Promise.all([service, bareServer].map((s) => new Promise((r) => s.once('listening', r))))
  const bareUrl = `http://127.0.0.1:${(bareServer.address() as AddressInfo).port}`
  const serviceUrl = `http://127.0.0.1:${(service.address() as AddressInfo).port}`

  async function run(
    target: string,
    route: Route,
    label: string,
    profile?: string,
  ): Promise<LoadResult> {
    const args = JSON.stringify({
      url: target,
      route,
      connections: CONNECTIONS,
      seconds: SECONDS,
      token: TOKEN,
      base: BASE,
    })
    const before = { server: cpuNow(), pg: procCpuMs(await backendPids()) }
    const session = profile ? new Session() : undefined
    if (session) {
      session.connect()
      await session.post('Profiler.enable')
      await session.post('Profiler.start')
    }
    const { stdout } = await execFileAsync(process.execPath, [
      path.join(import.meta.dirname, 'load.ts'),
      args,
    ])
    if (session && profile) {
      const { profile: p } = await session.post('Profiler.stop')
      writeFileSync(profile, JSON.stringify(p))
      session.disconnect()
    }
    const r = JSON.parse(stdout) as LoadResult
    // CPU per request, in microseconds: where the machine's two cores went.
    const per = (ms: number) => ((ms * 1000) / Math.max(r.total, 1)).toFixed(0).padStart(4)
    const server = cpuNow() - before.server
    const pg = cpuSpent(before.pg, procCpuMs(await backendPids()))
    console.log(
      `${label.padEnd(22)} ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${String(r.p50).padStart(4)} ms  p99 ${String(r.p99).padStart(4)} ms  requests ${r.total}  non-2xx/errors ${r.bad}  CPU µs/req: server ${per(server)} postgres ${per(pg)} load ${per(r.cpuMs)}`,
    )
    return r
  }

  const cpuNow = () => (process.cpuUsage().user + process.cpuUsage().system) / 1000
  // The service's pool connections to the bench's database (Postgres runs one process each).
  const backendPids = async () =>
    (
      await sql<{
        pid: number
      }>`select pid from pg_stat_activity where datname = ${DB_NAME}`.execute(admin)
    ).rows.map((x) => x.pid)

  console.log(
    `webhook benchmark: ${CONNECTIONS} connections, ${SECONDS} s each, node ${process.version}, logs ${LOG_LEVEL}`,
  )
  if (PROFILE_DIR) mkdirSync(PROFILE_DIR, { recursive: true })
  const prof = (name: string) => (PROFILE_DIR ? path.join(PROFILE_DIR, name) : undefined)
  await run(serviceUrl, 'incoming', 'warm-up (service)')
  // Each round measures the bare route and both webhooks back to back, so a ratio compares runs
  // made under the same conditions (other work on the machine varies from minute to minute).
  const ratios: Record<Route, number[]> = { incoming: [], hold: [] }
  const p99s: Record<Route, number[]> = { incoming: [], hold: [] }
  let clean = true
  for (let round = 1; round <= ROUNDS; round++) {
    if (ROUNDS > 1) console.log(`round ${round} of ${ROUNDS}`)
    const last = round === ROUNDS
    const baseline = await run(bareUrl, 'incoming', 'bare express TwiML')
    for (const route of ['incoming', 'hold'] as const) {
      const r = await run(
        serviceUrl,
        route,
        `/voice/${route}`,
        last ? prof(`${route}.cpuprofile`) : undefined,
      )
      ratios[route].push(r.rps / baseline.rps)
      p99s[route].push(r.p99)
      clean &&= r.bad === 0 && baseline.bad === 0
    }
  }
  let met = clean
  for (const route of ['incoming', 'hold'] as const) {
    const ratio = median(ratios[route])
    const p99 = median(p99s[route])
    met &&= ratio >= 0.5 && p99 <= 50
    const spread = (xs: number[], f: (x: number) => string) =>
      ROUNDS > 1 ? ` (${f(Math.min(...xs))}–${f(Math.max(...xs))})` : ''
    console.log(
      `/voice/${route.padEnd(9)} ratio ${ratio.toFixed(2)}${spread(ratios[route], (x) => x.toFixed(2))} (target >= 0.5)   p99 ${p99}${spread(p99s[route], String)} ms (target <= 50 ms)${ROUNDS > 1 ? '   median (range) of the rounds' : ''}`,
    )
  }
  console.log(met ? 'targets met' : 'targets NOT met')
  if (PROFILE_DIR) console.log(`profiles in ${PROFILE_DIR} (npm run bench:profile -- <file>)`)

  service.close()
  bareServer.close()
  await ctx.close()
}
