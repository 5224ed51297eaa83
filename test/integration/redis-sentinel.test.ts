import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { loadConfig } from '../../src/config.ts'
import { DEMO_PASSWORD } from '../../src/db/demo-data.ts'
import { resolveDatabaseUrls } from '../../src/infra/resolve-urls.ts'
import { createLogger } from '../../src/logger.ts'
import { answerAndPress, createdCalls, queuedCall } from '../helpers/call-steps.ts'
import type { Harness } from '../helpers/harness.ts'
import { createHarness } from '../helpers/harness.ts'
import type { SentinelRedis } from '../helpers/sentinel-redis.ts'
import { startSentinelRedis } from '../helpers/sentinel-redis.ts'
import { until } from '../helpers/service.ts'
import { find } from '../helpers/twiml.ts'

/**
 * The service on a Redis watched by three sentinels. The primary is SIGKILLed while return calls
 * are due and a caller is phoning in; a sentinel promotes the replica; the service carries on
 * without a restart, and every return call is dialled exactly once.
 */
describe('Redis that fails over (Sentinel)', () => {
  let redis: SentinelRedis | undefined
  let h: Harness | undefined
  const warnings: { msg: string }[] = []

  beforeAll(async () => {
    redis = await startSentinelRedis()
  }, 40_000)
  afterAll(async () => {
    // Every process started here dies, whatever happened above.
    await h?.close().catch(() => {})
    await redis?.stop()
  })

  const env = () => ({
    REDIS_SENTINELS: redis!.sentinels,
    REDIS_SENTINEL_NAME: redis!.name,
  })

  it('uses the sentinels as configured and never a local Redis', async () => {
    const config = loadConfig({
      ...env(),
      TWILIO_MODE: 'simulator',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/shouwen_unused',
    })
    // With DATABASE_URL set and sentinels configured, nothing is probed or started.
    const { redis: target } = await resolveDatabaseUrls(config, () => {})
    expect(target).toEqual({
      sentinels: redis!.sentinelPorts.map((port) => ({ host: '127.0.0.1', port })),
      name: 'shouwen',
      password: undefined,
      sentinelPassword: undefined,
    })
  })

  it('carries on through a failover: no work lost, none done twice', async () => {
    const r = redis!
    h = await createHarness({
      env: {
        ...env(),
        CALLING_HOURS: '00:00-24:00',
        CONFIRMATION_DELAY_SECONDS: '1',
        DISPATCH_SWEEP_MS: '500',
        RECONCILE_EVERY_MS: '1000',
        DEADLINE_SWEEP_MS: '1000',
      },
      logger: createLogger({
        level: 'warn',
        destination: {
          write: (line: string) => void warnings.push(JSON.parse(line) as { msg: string }),
        },
      }),
    })
    const x = h
    x.ctx.startWorkers()
    x.ctx.startBeats()
    const api = () => request(x.app)
    const login = () =>
      api().post('/api/auth/login').send({ jobNumber: '1001', password: DEMO_PASSWORD })
    const auth = { Authorization: `Bearer ${(await login()).body.token}` }
    // Agent 1002 alone takes inbound calls.
    await x.ctx.db
      .updateTable('agents')
      .set({ presence: 'away' })
      .where('job_number', '!=', '1002')
      .execute()
    await x.ctx.db
      .updateTable('agents')
      .set({ presence: 'available' })
      .where('job_number', '=', '1002')
      .execute()

    const walkIn = async (phone: string) => {
      const res = await api()
        .post('/api/cases')
        .set(auth)
        .send({
          source: 'walk_in',
          caller: { name: 'Caller', phone },
          category: 'repair',
          variant: 'simple',
          place: 'Block 3, 502',
          content: 'The hall light is out',
        })
      expect(res.status).toBe(201)
      return res.body.case.reference as string
    }
    /** Reports the work done; returns how long the API took to answer. */
    const workDone = async (reference: string) => {
      const t0 = Date.now()
      const res = await api()
        .post(`/api/cases/${reference}/work-done`)
        .set(auth)
        .send({ summary: 'Bulb replaced' })
      expect(res.status).toBe(202)
      return Date.now() - t0
    }
    const phone = (n: number) => `+86138000010${String(n).padStart(2, '0')}`
    const dialsTo = (to: string) => createdCalls(x).filter((c) => c.data['To'] === to).length
    const allDialled = (phones: string[]) => phones.every((p) => dialsTo(p) > 0)
    const warned = (msg: string) => warnings.filter((w) => w.msg === msg).length

    // Before: three return calls scheduled and made through the primary.
    const before = [1, 2, 3].map(phone)
    for (const p of before) await workDone(await walkIn(p))
    await until('the first return calls', () => allDialled(before), 15_000)

    // Around the kill: three jobs just added (due a second later, replicated or not), and two
    // more cases whose work is reported done only once the primary is gone.
    const around = [4, 5, 6].map(phone)
    const during = [7, 8].map(phone)
    const duringRefs = await Promise.all(during.map(walkIn))
    for (const p of around) await workDone(await walkIn(p))
    const killedAt = Date.now()
    await r.killPrimary()

    // The failover window: the API and the webhooks answer at once, without Redis.
    await until('the producer to notice', () => x.ctx.producer.status !== 'ready', 5000)
    const workDoneMs = []
    for (const ref of duringRefs) workDoneMs.push(await workDone(ref))
    let t0 = Date.now()
    const lockedOut = await login()
    const loginMs = Date.now() - t0
    t0 = Date.now()
    const callerSid = await queuedCall(x, '1', '+8613500000999')
    const webhooksMs = Date.now() - t0
    const unready = await api().get('/readyz')
    // Still the old primary by every sentinel: all of the above happened inside the window.
    for (const i of [0, 1, 2]) expect(await r.primaryNamedBy(i)).toBe(r.primaryPort)
    expect(lockedOut.status).toBe(503)
    expect(unready.status).toBe(503)
    expect(unready.body.checks.redis).toMatch(/^failed/)
    // Fail fast: milliseconds, where an offline queue would hold them until the failover (>1 s).
    expect(Math.max(...workDoneMs, loginMs, webhooksMs / 2)).toBeLessThan(1000)
    // Both schedules and the caller's dispatch trigger failed for want of Redis; the
    // reconciler and the dispatcher's sweep, beating from Postgres, stand in for them.
    expect(warned('scheduling failed; the reconciler will')).toBe(2)
    expect(warned('could not enqueue dispatch; the sweep will catch up')).toBeGreaterThan(0)

    // The sentinels promote the replica; the service's connections follow without a restart.
    await until(
      'the sentinels to promote the replica',
      async () => {
        for (const i of [0, 1, 2]) if ((await r.primaryNamedBy(i)) !== r.replicaPort) return false
        return true
      },
      20_000,
    )
    const failoverMs = Date.now() - killedAt
    // Down after 1 s, a vote, a promotion: seconds (FAILOVER_MS, if set, reports the figure).
    expect(failoverMs).toBeLessThan(15_000)
    if (process.env['FAILOVER_MS']) process.stderr.write(`failover took ${failoverMs} ms\n`)
    await until('the producer back', () => x.ctx.producer.status === 'ready', 10_000)
    expect(await x.ctx.producer.config('GET', 'port')).toEqual(['port', String(r.replicaPort)])
    const ready = await api().get('/readyz')
    expect(ready.status).toBe(200)
    expect(ready.body.checks.redis).toBe('ok')
    expect((await login()).status).toBe(200)

    // After: new work goes straight through the new primary (no failed schedule).
    const after = [9, 10, 11].map(phone)
    for (const p of after) await workDone(await walkIn(p))
    expect(warned('scheduling failed; the reconciler will')).toBe(2)

    const everyone = [...before, ...around, ...during, ...after]
    await until('every return call', () => allDialled(everyone), 20_000)
    // The caller who phoned in during the window is rung to agent 1002, who takes the call.
    const agentRing = await until('agent 1002 to be rung', () =>
      createdCalls(x).find((c) => c.data['To'] === 'client:agent-1002'),
    )
    const accepted = await answerAndPress(x, agentRing)
    expect(find(accepted, 'Conference')).toBeDefined()

    // Two more reconciler beats (1 s) and dispatch sweeps (0.5 s) find nothing left to do.
    await new Promise((res) => setTimeout(res, 2500))
    // 11 callers, each rung exactly once: before (3), around the kill (3), during (2), after (3).
    expect(everyone.map(dialsTo)).toEqual(everyone.map(() => 1))
    expect(createdCalls(x).filter((c) => c.data['To'] === 'client:agent-1002')).toHaveLength(1)
    // Postgres agrees: one claimed attempt per callback, each with its call.
    const attempts = await x.ctx.db
      .selectFrom('callbacks')
      .innerJoin('callback_attempts', 'callback_attempts.callback_id', 'callbacks.id')
      .select(['callbacks.id', 'callbacks.attempt', 'callback_attempts.call_sid'])
      .execute()
    expect(attempts).toHaveLength(11)
    expect(new Set(attempts.map((a) => a.id)).size).toBe(11)
    expect(attempts.every((a) => a.attempt === 1 && a.call_sid)).toBe(true)
    const callerCase = await x.ctx.db
      .selectFrom('calls')
      .innerJoin('cases', 'cases.id', 'calls.case_id')
      .innerJoin('agents', 'agents.id', 'cases.first_owner_id')
      .select('agents.job_number')
      .where('calls.call_sid', '=', callerSid)
      .executeTakeFirst()
    expect(callerCase?.job_number).toBe('1002')
    h.edge.assertAllValid()
  }, 60_000)
})
