// `npm run bench:webhook`: /voice/incoming (signature check, caller lookup, writes, TwiML) against
// a bare express route returning fixed TwiML: same machine, same load, same run. The load runs in
// its own process (bench/load.ts) so it never shares the server's event loop.
// Targets (issue 2): ratio >= 0.5 and p99 <= 50 ms at 50 connections.
import { execFile } from 'node:child_process'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { promisify } from 'node:util'

import express from 'express'
import twilio from 'twilio'

import { loadConfig } from '../src/config.ts'
import { createAppContext } from '../src/context.ts'
import { createDb } from '../src/db/database.ts'
import { loadDemoData } from '../src/db/demo-data.ts'
import { migrateToLatest } from '../src/db/migrate.ts'
import { createApp } from '../src/http/app.ts'
import { ensureDatabase, findOrStartServices } from '../src/infra/local-services.ts'
import { createLogger } from '../src/logger.ts'

const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 50)
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 10)
const TOKEN = 'bench-auth-token-0123456789abcdef'
const BASE = 'http://bench.local'
const logger = createLogger({ level: 'silent' })
const execFileAsync = promisify(execFile)

const services = await findOrStartServices({
  dir: '.local',
  databaseUrl: process.env['DATABASE_URL'],
  redisUrl: process.env['REDIS_URL'],
})
const url = await ensureDatabase(services.pgServerUrl, 'shouwen_bench')
const setupDb = createDb({ url, logger })
await migrateToLatest(setupDb)
await loadDemoData(setupDb)
await setupDb.destroy()

const config = loadConfig({
  PUBLIC_BASE_URL: BASE,
  TWILIO_ACCOUNT_SID: `AC${'b'.repeat(32)}`,
  TWILIO_AUTH_TOKEN: TOKEN,
  LOG_LEVEL: 'silent',
})
const ctx = createAppContext(config, {
  databaseUrl: url,
  redis: services.redisUrl,
  logger,
  queuePrefix: 'bench',
  dbPoolSize: 20,
})
const service = createApp(ctx, { isShuttingDown: () => false }).listen(0, '127.0.0.1')

const fixed = new twilio.twiml.VoiceResponse()
fixed.say({ language: 'zh-CN' }, '您好，这里是首问服务热线。')
const fixedXml = fixed.toString()
const bare = express()
bare.use(express.urlencoded({ extended: false }))
bare.post('/voice/incoming', (_req, res) => {
  res.type('text/xml').send(fixedXml)
})
const bareServer = bare.listen(0, '127.0.0.1')
await Promise.all([service, bareServer].map((s) => new Promise((r) => s.once('listening', r))))

interface LoadResult {
  rps: number
  p50: number
  p99: number
  bad: number
  total: number
}

async function run(port: number, label: string): Promise<LoadResult> {
  const args = JSON.stringify({
    url: `http://127.0.0.1:${port}/voice/incoming`,
    connections: CONNECTIONS,
    seconds: SECONDS,
    token: TOKEN,
    base: BASE,
  })
  const { stdout } = await execFileAsync(process.execPath, [
    path.join(import.meta.dirname, 'load.ts'),
    args,
  ])
  const r = JSON.parse(stdout) as LoadResult
  console.log(
    `${label.padEnd(20)} ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${String(r.p50).padStart(4)} ms  p99 ${String(r.p99).padStart(4)} ms  requests ${r.total}  non-2xx/errors ${r.bad}`,
  )
  return r
}

console.log(
  `webhook benchmark: ${CONNECTIONS} connections, ${SECONDS} s each, node ${process.version}`,
)
const bareUrl = (bareServer.address() as AddressInfo).port
const servicePort = (service.address() as AddressInfo).port
await run(servicePort, 'warm-up (service)')
const baseline = await run(bareUrl, 'bare express TwiML')
const real = await run(servicePort, '/voice/incoming')
const ratio = real.rps / baseline.rps
console.log(`ratio ${ratio.toFixed(2)} (target >= 0.5)   p99 ${real.p99} ms (target <= 50 ms)`)
console.log(ratio >= 0.5 && real.p99 <= 50 ? 'targets met' : 'targets NOT met')

service.close()
bareServer.close()
await ctx.close()
