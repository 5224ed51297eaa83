import { Redis } from 'ioredis'
import request from 'supertest'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

import { addressKey, makeLoginGuard } from '../../src/agents/login-guard.ts'
import { DEMO_PASSWORD } from '../../src/db/demo-data.ts'
import { AppError, TooManyRequestsError } from '../../src/errors.ts'
import { createLogger } from '../../src/logger.ts'
import type { Harness } from '../helpers/harness.ts'
import { createHarness } from '../helpers/harness.ts'

describe('failed-login limits (per job number and per address, in Redis)', () => {
  let h: Harness
  beforeEach(async () => {
    h = await createHarness({
      env: {
        LOGIN_MAX_FAILURES_PER_ACCOUNT: '3',
        LOGIN_MAX_FAILURES_PER_ADDRESS: '5',
        LOGIN_BLOCK_SECONDS: '600',
        // Tests choose the client address with X-Forwarded-For.
        TRUST_PROXY: 'true',
      },
    })
  })
  afterEach(async () => {
    const keys = await h.ctx.producer.keys(`${h.ctx.queuePrefix}:login-failures:*`)
    if (keys.length > 0) await h.ctx.producer.del(...keys)
    await h.close()
  })
  const logIn = (jobNumber: string, password: string, from = '198.51.100.1') =>
    request(h.app)
      .post('/api/auth/login')
      .set('X-Forwarded-For', from)
      .send({ jobNumber, password })
  const sessionsOf = async (jobNumber: string) =>
    (
      await h.ctx.db
        .selectFrom('api_tokens')
        .innerJoin('agents', 'agents.id', 'api_tokens.agent_id')
        .select('api_tokens.id')
        .where('agents.job_number', '=', jobNumber)
        .execute()
    ).length
  const notices = (kind: string) =>
    h.ctx.db.selectFrom('notifications').selectAll().where('kind', '=', kind).execute()

  it('locks a job number after N failures: 429 with Retry-After, even for the right password', async () => {
    for (let i = 0; i < 3; i++) expect((await logIn('1001', 'guess-' + i)).status).toBe(401)
    const locked = await logIn('1001', DEMO_PASSWORD)
    expect(locked.status).toBe(429)
    const retryAfter = Number(locked.headers['retry-after'])
    expect(retryAfter).toBeGreaterThan(590)
    expect(retryAfter).toBeLessThanOrEqual(600)
    expect(locked.body.error.code).toBe('too_many_requests')
    expect(locked.body.error.message).toMatch(/too many failed logins for job number 1001/)
    expect(await sessionsOf('1001'), 'no session issued while locked').toBe(0)

    // The duty supervisor is told once, on their board's notifications.
    const told = await notices('login_locked')
    expect(told).toHaveLength(1)
    expect(told[0]?.body).toContain('job number 1001')
    const supervisor = await h.ctx.db
      .selectFrom('agents')
      .select('id')
      .where('job_number', '=', '2001')
      .executeTakeFirstOrThrow()
    expect(told[0]?.agent_id).toBe(supervisor.id)
    expect((await logIn('1001', 'again')).status).toBe(429)
    expect(await notices('login_locked')).toHaveLength(1)
    // The agent at another desk still gets in: the lock is on the address that guessed.
    expect((await logIn('1001', DEMO_PASSWORD, '203.0.113.9')).status).toBe(200)

    // Only that job number: a colleague at the same address still gets in.
    expect((await logIn('1002', DEMO_PASSWORD)).status).toBe(200)

    // A job number nobody has locks the same way, but bothers no supervisor.
    const elsewhere = '198.51.100.2'
    for (let i = 0; i < 3; i++) expect((await logIn('7777', 'guess', elsewhere)).status).toBe(401)
    expect((await logIn('7777', 'guess', elsewhere)).status).toBe(429)
    expect(await notices('login_locked')).toHaveLength(1)
  })

  it('locks a job number everywhere when it is guessed from many addresses', async () => {
    // Ten times the per-address limit (3), one guess from each of 30 addresses.
    for (let i = 0; i < 30; i++)
      expect((await logIn('1001', 'guess', `198.51.100.${100 + i}`)).status).toBe(401)
    const locked = await logIn('1001', DEMO_PASSWORD, '203.0.113.50')
    expect(locked.status).toBe(429)
    expect(await sessionsOf('1001')).toBe(0)
    expect((await notices('login_locked'))[0]?.body).toContain('from every address')
  })

  it('counts IPv6 addresses by their /64', async () => {
    for (let i = 1; i <= 3; i++)
      expect((await logIn('1001', 'guess', `2001:db8:1:2::${i}`)).status).toBe(401)
    expect((await logIn('1001', DEMO_PASSWORD, '2001:db8:1:2:ffff::1')).status).toBe(429)
    expect((await logIn('1001', DEMO_PASSWORD, '2001:db8:1:3::1')).status).toBe(200)
    expect(addressKey('::ffff:192.0.2.7')).toBe('192.0.2.7')
    expect(addressKey('2001:db8:1:2::9')).toBe('2001:db8:1:2::/64')
  })

  it('a successful login resets the job number count', async () => {
    for (let i = 0; i < 2; i++) expect((await logIn('1001', 'guess')).status).toBe(401)
    expect((await logIn('1001', DEMO_PASSWORD)).status).toBe(200)
    for (let i = 0; i < 2; i++) expect((await logIn('1001', 'guess')).status).toBe(401)
    expect((await logIn('1001', DEMO_PASSWORD)).status).toBe(200)
    expect(await notices('login_locked')).toHaveLength(0)
  })

  it('blocks an address that tries many job numbers, not other addresses', async () => {
    const attacker = '203.0.113.7'
    // Unknown job numbers count too, and answer exactly like known ones.
    for (const job of ['1001', '1002', '1003', '7777', '8888']) {
      expect((await logIn(job, 'guess', attacker)).status).toBe(401)
    }
    const blocked = await logIn('2001', DEMO_PASSWORD, attacker)
    expect(blocked.status).toBe(429)
    expect(blocked.body.error.message).toMatch(/this address/)
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(590)
    expect(await sessionsOf('2001')).toBe(0)
    // Logged, not notified: every new address would be another notice (and SMS).
    expect(await h.ctx.db.selectFrom('notifications').selectAll().execute()).toEqual([])

    expect((await logIn('2001', DEMO_PASSWORD, '203.0.113.8')).status).toBe(200)
  })

  it('checks at most N passwords however many guesses arrive at once', async () => {
    const guard = makeLoginGuard({
      redis: h.ctx.producer,
      keyPrefix: h.ctx.queuePrefix,
      maxFailuresPerAccount: 3,
      maxFailuresPerAddress: 1000,
      blockSeconds: 600,
      db: h.ctx.db,
      clock: h.ctx.clock,
      logger: createLogger({ level: 'silent' }),
    })
    let checks = 0
    const wrong = async () => {
      checks++
      await new Promise((r) => setTimeout(r, 20))
      return undefined
    }
    const who = { jobNumber: '1003', address: '192.0.2.1' }
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => guard.attempt(who, wrong)),
    )
    expect(checks).toBe(3)
    const refused = results.filter(
      (r) => r.status === 'rejected' && r.reason instanceof TooManyRequestsError,
    )
    expect(refused).toHaveLength(17)
  })

  it('refuses logins with 503 while Redis is unreachable (fails closed)', async () => {
    const deadRedis = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
    })
    const guard = makeLoginGuard({
      redis: deadRedis,
      keyPrefix: h.ctx.queuePrefix,
      maxFailuresPerAccount: 3,
      maxFailuresPerAddress: 50,
      blockSeconds: 600,
      db: h.ctx.db,
      clock: h.ctx.clock,
      logger: createLogger({ level: 'silent' }),
    })
    let checked = false
    const attempt = guard.attempt({ jobNumber: '1001', address: '192.0.2.2' }, () => {
      checked = true
      return Promise.resolve('agent')
    })
    await expect(attempt).rejects.toSatisfy(
      (e) => e instanceof AppError && e.code === 'unavailable',
    )
    expect(checked).toBe(false)
    deadRedis.disconnect()
  })
})

describe('client addresses without TRUST_PROXY', () => {
  it('ignores X-Forwarded-For, so a forged header does not dodge the address limit', async () => {
    const h = await createHarness({
      env: { LOGIN_MAX_FAILURES_PER_ACCOUNT: '3', LOGIN_MAX_FAILURES_PER_ADDRESS: '3' },
    })
    try {
      const guess = (i: number) =>
        request(h.app)
          .post('/api/auth/login')
          .set('X-Forwarded-For', `198.51.100.${i}`)
          .send({ jobNumber: `70${i}`, password: 'guess' })
      for (let i = 1; i <= 3; i++) expect((await guess(i)).status).toBe(401)
      const blocked = await guess(4)
      expect(blocked.status).toBe(429)
      expect(blocked.body.error.message).toMatch(/this address/)
    } finally {
      const keys = await h.ctx.producer.keys(`${h.ctx.queuePrefix}:login-failures:*`)
      if (keys.length > 0) await h.ctx.producer.del(...keys)
      await h.close()
    }
  })
})
