// A callbacks worker in its own process, for the SIGKILL test. Its Twilio edge records each
// call it "creates" in MARKER_FILE and then never answers, so the process is killed mid-job:
// after Twilio made the call, before the worker could record it.
import { randomBytes } from 'node:crypto'
import { appendFileSync } from 'node:fs'

import { loadConfig } from '../../src/config.ts'
import { createAppContext } from '../../src/context.ts'
import { createLogger } from '../../src/logger.ts'

const env = process.env
const config = loadConfig({
  PUBLIC_BASE_URL: 'https://hotline.example.test',
  TWILIO_ACCOUNT_SID: `AC${'1'.repeat(32)}`,
  TWILIO_AUTH_TOKEN: 'test-auth-token-0123456789abcdef',
  LOG_LEVEL: 'silent',
  CALLING_HOURS: '00:00-24:00',
  QUEUE_PREFIX: env['QUEUE_PREFIX'],
})
const ctx = createAppContext(config, {
  databaseUrl: env['DATABASE_URL'] ?? '',
  redis: env['REDIS_URL'] ?? '',
  logger: createLogger({ level: 'silent' }),
  workerLockDurationMs: 1000,
  twilioHttpClient: {
    request(opts) {
      if (opts.method.toUpperCase() === 'POST' && opts.uri.endsWith('/Calls.json')) {
        appendFileSync(env['MARKER_FILE'] ?? '', `created CA${randomBytes(16).toString('hex')}\n`)
        return new Promise(() => {}) // Twilio made the call; its answer never arrives
      }
      return Promise.resolve({ statusCode: 404, body: {}, headers: {} })
    },
  },
})
ctx.startWorkers()
appendFileSync(env['MARKER_FILE'] ?? '', 'ready\n')
