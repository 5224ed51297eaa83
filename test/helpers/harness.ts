import { randomBytes } from 'node:crypto'

import type { Express } from 'express'
import request from 'supertest'
import twilio from 'twilio'
import { inject } from 'vitest'

import type { Clock } from '../../src/calls/deps.ts'
import type { Config } from '../../src/config.ts'
import { loadConfig } from '../../src/config.ts'
import type { AppContext } from '../../src/context.ts'
import { createAppContext } from '../../src/context.ts'
import { loadDemoData } from '../../src/db/demo-data.ts'
import { createApp } from '../../src/http/app.ts'
import { loadPromptOverrides } from '../../src/ivr-prompts/ivr-prompts.ts'
import type { Logger } from '../../src/logger.ts'
import { createLogger } from '../../src/logger.ts'
import type { RedisTarget } from '../../src/queues/connection.ts'
import { cloneTestDatabase } from './databases.ts'
import type { FakeTwilioEdge } from './fake-twilio-edge.ts'
import { createFakeTwilioEdge } from './fake-twilio-edge.ts'

export const TEST_ACCOUNT_SID = `AC${'1'.repeat(32)}`
export const TEST_AUTH_TOKEN = 'test-auth-token-0123456789abcdef'
export const PUBLIC_BASE_URL = 'https://hotline.example.test'
export const ZH_HOTLINE = '+8657112345'
export const EN_HOTLINE = '+15005550006'

/** A settable clock: tests move time instead of waiting for it. */
export function manualClock(
  start = new Date('2026-11-23T02:00:00Z'),
): Clock & { set(d: Date): void; advance(ms: number): void } {
  let now = start
  return {
    now: () => new Date(now),
    set: (d) => (now = d),
    advance: (ms) => (now = new Date(now.getTime() + ms)),
  }
}

export interface Harness {
  ctx: AppContext
  app: Express
  config: Config
  edge: FakeTwilioEdge
  databaseUrl: string
  /** POST a webhook signed the way Twilio signs it (or deliberately not). */
  twilioPost(
    path: string,
    params: Record<string, string>,
    opts?: { signature?: string | null },
  ): request.Test
  close(): Promise<void>
}

/** A whole service on its own database and queue prefix, with Twilio faked at its HTTP edge. */
export async function createHarness(
  opts: {
    clock?: Clock
    env?: Record<string, string>
    simulator?: boolean
    /** A Redis of the test's own (private-redis.ts, or sentinels) instead of the shared one. */
    redis?: RedisTarget
    /** A logger the test reads (default: silent). */
    logger?: Logger
  } = {},
): Promise<Harness> {
  const db = await cloneTestDatabase(inject('pgServerUrl'))
  const config = loadConfig({
    PUBLIC_BASE_URL,
    LOG_LEVEL: 'silent',
    ...(opts.simulator
      ? { TWILIO_MODE: 'simulator' }
      : { TWILIO_ACCOUNT_SID: TEST_ACCOUNT_SID, TWILIO_AUTH_TOKEN: TEST_AUTH_TOKEN }),
    ...opts.env,
  })
  const edge = createFakeTwilioEdge(opts.clock ? { clock: opts.clock } : {})
  const ctx = createAppContext(config, {
    databaseUrl: db.url,
    // REDIS_SENTINELS in `env` (redis-sentinel.test.ts) is used as the service would use it.
    redis: opts.redis ?? config.redis.sentinel ?? inject('redisUrl'),
    logger: opts.logger ?? createLogger({ level: 'silent' }),
    clock: opts.clock,
    queuePrefix: `t${randomBytes(4).toString('hex')}`,
    twilioHttpClient: opts.simulator ? undefined : edge.httpClient,
    dbPoolSize: 20,
    workerLockDurationMs: 1000,
  })
  await loadDemoData(ctx.db)
  await ctx.limitSettings.load()
  await loadPromptOverrides(ctx.db)
  const app = createApp(ctx, { isShuttingDown: () => false })
  return {
    ctx,
    app,
    config,
    edge,
    databaseUrl: db.url,
    twilioPost(path, params, o = {}) {
      const url = `${PUBLIC_BASE_URL}${path}`
      const sig =
        o.signature === undefined
          ? twilio.getExpectedTwilioSignature(config.twilio.authToken, url, params)
          : o.signature
      const r = request(app).post(path).type('form')
      if (sig !== null) void r.set('X-Twilio-Signature', sig)
      return r.send(params)
    },
    async close() {
      await ctx.acdQueue.obliterate({ force: true }).catch(() => {})
      await ctx.close()
      await db.drop()
    },
  }
}

export function callSid(): string {
  return `CA${randomBytes(16).toString('hex')}`
}

/** Path + query of an absolute URL we handed to Twilio, for posting to it in a test. */
export function pathOf(url: string): string {
  const u = new URL(url)
  return `${u.pathname}${u.search}`
}
