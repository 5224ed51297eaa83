// One callbacks worker process for bench/callbacks.ts. Its Twilio edge is simulated: each
// create-call answers after a short delay with a fresh CallSid, and the dial is written to
// OUT_FILE as "<callbackId> <attempt> <epoch ms>" so the bench can check exactly-once and lateness.
import { randomBytes } from 'node:crypto'
import { appendFileSync } from 'node:fs'

import { loadConfig } from '../src/config.ts'
import { createAppContext } from '../src/context.ts'
import { createLogger } from '../src/logger.ts'

const env = process.env
const EDGE_LATENCY_MS = 30 // a fast Twilio API answer
const config = loadConfig({
  PUBLIC_BASE_URL: 'https://bench.example.test',
  TWILIO_ACCOUNT_SID: `AC${'b'.repeat(32)}`,
  TWILIO_AUTH_TOKEN: 'bench-auth-token-0123456789abcdef',
  LOG_LEVEL: 'silent',
  CALLING_HOURS: '00:00-24:00',
  QUEUE_PREFIX: env['QUEUE_PREFIX'],
  CALLBACK_DIALS_IN_FLIGHT: env['CALLBACK_DIALS_IN_FLIGHT'],
})
const ctx = createAppContext(config, {
  databaseUrl: env['DATABASE_URL'] ?? '',
  redis: env['REDIS_URL'] ?? '',
  logger: createLogger({ level: 'silent' }),
  dbPoolSize: 20,
  twilioHttpClient: {
    async request(opts) {
      const url = new URLSearchParams(
        new URL(String((opts.data as { Url?: string })?.Url ?? 'http://x/')).search,
      )
      appendFileSync(env['OUT_FILE'] ?? '', `${url.get('cb')} ${url.get('a')} ${Date.now()}\n`)
      await new Promise((r) => setTimeout(r, EDGE_LATENCY_MS))
      const sid = `CA${randomBytes(16).toString('hex')}`
      return { statusCode: 201, body: { sid, status: 'queued' }, headers: {} }
    },
  },
})
ctx.startWorkers()
process.on('SIGTERM', () => void ctx.close().then(() => process.exit(0)))
