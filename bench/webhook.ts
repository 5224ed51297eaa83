// `npm run bench:webhook`: /voice/incoming (signature check, caller lookup, writes, TwiML) against
// a bare express route returning fixed TwiML, same machine, same load, same run.
// Targets (issue 2): ratio >= 0.5 and p99 <= 50 ms at 50 connections.
import { randomBytes } from 'node:crypto'
import type { AddressInfo } from 'node:net'

import autocannon from 'autocannon'
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

const services = await findOrStartServices({ dir: '.local', databaseUrl: process.env['DATABASE_URL'], redisUrl: process.env['REDIS_URL'] })
const url = await ensureDatabase(services.pgServerUrl, 'shouwen_bench')
const setupDb = createDb({ url, logger })
await migrateToLatest(setupDb)
await loadDemoData(setupDb)
await setupDb.destroy()

const config = loadConfig({ PUBLIC_BASE_URL: BASE, TWILIO_ACCOUNT_SID: `AC${'b'.repeat(32)}`, TWILIO_AUTH_TOKEN: TOKEN, LOG_LEVEL: 'silent' })
const ctx = createAppContext(config, { databaseUrl: url, redisUrl: services.redisUrl, logger, queuePrefix: 'bench', dbPoolSize: 20 })
const service = createApp(ctx, { isShuttingDown: () => false }).listen(0, '127.0.0.1')

const FIXED = new twilio.twiml.VoiceResponse()
FIXED.say({ language: 'zh-CN' }, '您好，这里是首问服务热线。')
const fixedXml = FIXED.toString()
const bare = express()
bare.use(express.urlencoded({ extended: false }))
bare.post('/voice/incoming', (_req, res) => {
  res.type('text/xml').send(fixedXml)
})
const bareServer = bare.listen(0, '127.0.0.1')
await Promise.all([service, bareServer].map((s) => new Promise((r) => s.once('listening', r))))

// A new CallSid and a caller from a pool of 5,000 per request: inserts, and upserts of callers who
// call again, as a busy hotline sees them.
function signedRequest(): { body: string; headers: Record<string, string> } {
  const params = {
    CallSid: `CA${randomBytes(16).toString('hex')}`,
    From: `+86138${String(Math.floor(Math.random() * 5000)).padStart(8, '0')}`,
    To: '+8657112345',
    CallerName: 'BENCH CALLER',
    FromCity: 'HANGZHOU',
    FromCountry: 'CN',
  }
  const signature = twilio.getExpectedTwilioSignature(TOKEN, `${BASE}/voice/incoming`, params)
  return {
    body: new URLSearchParams(params).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
  }
}

async function run(port: number, label: string) {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/voice/incoming`,
    method: 'POST',
    connections: CONNECTIONS,
    duration: SECONDS,
    requests: [{ setupRequest: (req) => ({ ...req, ...signedRequest() }) }],
  })
  const bad = result.non2xx + result.errors + result.timeouts
  console.log(`${label.padEnd(22)} ${result.requests.average.toFixed(0).padStart(7)} req/s   p50 ${String(result.latency.p50).padStart(4)} ms   p99 ${String(result.latency.p99).padStart(4)} ms   non-2xx/errors ${bad}`)
  return result
}

console.log(`webhook benchmark: ${CONNECTIONS} connections, ${SECONDS} s each, node ${process.version}`)
await run((bareServer.address() as AddressInfo).port, 'warm-up (bare)')
const baseline = await run((bareServer.address() as AddressInfo).port, 'bare express TwiML')
const real = await run((service.address() as AddressInfo).port, '/voice/incoming')
const ratio = real.requests.average / baseline.requests.average
console.log(`ratio ${ratio.toFixed(2)} (target >= 0.5)   p99 ${real.latency.p99} ms (target <= 50 ms)`)
console.log(ratio >= 0.5 && real.latency.p99 <= 50 ? 'targets met' : 'targets NOT met')

service.close()
bareServer.close()
await ctx.close()
