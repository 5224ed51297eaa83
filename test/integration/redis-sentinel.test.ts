import request from 'supertest'
import { afterAll, describe, expect, it } from 'vitest'

import { loadConfig } from '../../src/config.ts'
import { DEMO_PASSWORD } from '../../src/db/demo-data.ts'
import { resolveDatabaseUrls } from '../../src/infra/resolve-urls.ts'
import { createLogger } from '../../src/logger.ts'
import { PRODUCER_COMMAND_TIMEOUT_MS } from '../../src/queues/connection.ts'
import { answerAndPress, createdCalls, queuedCall } from '../helpers/call-steps.ts'
import type { Harness } from '../helpers/harness.ts'
import { createHarness } from '../helpers/harness.ts'
import type { SentinelRedis } from '../helpers/sentinel-redis.ts'
import { startSentinelRedis } from '../helpers/sentinel-redis.ts'
import { until } from '../helpers/service.ts'
import { find } from '../helpers/twiml.ts'

/**
 * The service on a Redis watched by three sentinels (quorum 2). The primary dies (SIGKILL) or
 * hangs (SIGSTOP) while return calls are due and a caller is phoning in; the sentinels promote
 * the replica; the service carries on without a restart, and every return call is dialled
 * exactly once. FAILOVER_MS=1 prints how long each failover took.
 */
describe('Redis that fails over (Sentinel)', () => {
  const topologies: SentinelRedis[] = []
  const harnesses: Harness[] = []
  afterAll(async () => {
    // Every process started here dies, whatever happened in the tests: even when a service
    // cannot close (its connections stuck on a Redis that hangs), after 10 s.
    try {
      for (const h of harnesses)
        await Promise.race([h.close().catch(() => {}), new Promise((r) => setTimeout(r, 10_000))])
    } finally {
      for (const r of topologies) await r.stop()
    }
  }, 45_000)

  it('uses the sentinels as configured and never looks for a local Redis', async () => {
    const config = loadConfig({
      TWILIO_MODE: 'simulator',
      REDIS_SENTINELS: '127.0.0.1:26379,127.0.0.1:26380',
      REDIS_SENTINEL_NAME: 'mymaster',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/shouwen_unused',
    })
    // DATABASE_URL given and sentinels configured: nothing is probed, started or connected to
    // (no sentinel answers on these ports, and the answer comes all the same).
    const { databaseUrl, redis } = await resolveDatabaseUrls(config, () => {})
    expect(databaseUrl).toBe('postgres://postgres@127.0.0.1:5432/shouwen_unused')
    expect(redis).toEqual({
      sentinels: [
        { host: '127.0.0.1', port: 26379 },
        { host: '127.0.0.1', port: 26380 },
      ],
      name: 'mymaster',
      password: undefined,
      sentinelPassword: undefined,
    })
  })

  /** The service on the sentinels' Redis (through REDIS_SENTINELS), workers and beats running. */
  async function serviceOn(r: SentinelRedis) {
    const warnings: { msg: string }[] = []
    const x = await createHarness({
      env: {
        REDIS_SENTINELS: r.sentinels,
        REDIS_SENTINEL_NAME: r.name,
        CALLING_HOURS: '00:00-24:00',
        CONFIRMATION_DELAY_SECONDS: '1',
        DISPATCH_SWEEP_MS: '500',
        RECONCILE_EVERY_MS: '1000',
        DEADLINE_SWEEP_MS: '1000',
      },
      logger: createLogger({
        level: 'warn',
        destination: { write: (line: string) => void warnings.push(JSON.parse(line) as never) },
      }),
    })
    harnesses.push(x)
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
    const dialsTo = (to: string) => createdCalls(x).filter((c) => c.data['To'] === to).length
    const primaryByAll = async (port: number) => {
      for (const i of [0, 1, 2]) if ((await r.primaryNamedBy(i)) !== port) return false
      return true
    }
    return {
      x,
      api,
      login,
      walkIn,
      dialsTo,
      primaryByAll,
      /** Reports the work done (202); returns how long the API took to answer. */
      async workDone(reference: string) {
        const t0 = Date.now()
        const res = await api()
          .post(`/api/cases/${reference}/work-done`)
          .set(auth)
          .send({ summary: 'Bulb replaced' })
        expect(res.status).toBe(202)
        return Date.now() - t0
      },
      allDialled: (phones: string[]) => phones.every((p) => dialsTo(p) > 0),
      warned: (msg: string) => warnings.filter((w) => w.msg === msg).length,
      /** An inbound call through the IVR to the queue; its CallSid and the webhooks' time. */
      async phoneIn(from: string) {
        const t0 = Date.now()
        const sid = await queuedCall(x, '1', from)
        return { sid, ms: Date.now() - t0 }
      },
      async waitForFailover(killedAt: number) {
        await until(
          'the sentinels to promote the replica',
          () => primaryByAll(r.replicaPort),
          20_000,
        )
        const ms = Date.now() - killedAt
        if (process.env['FAILOVER_MS']) process.stderr.write(`failover took ${ms} ms\n`)
        // The service's connections move to the promoted replica, without a restart (a hung
        // primary's connection may look ready until a sentinel's +switch-master ends it).
        const portNow = async () =>
          ((await x.ctx.producer.config('GET', 'port').catch(() => [])) as string[])[1]
        await until(
          'the producer on the new primary',
          async () => (await portNow()) === String(r.replicaPort),
          10_000,
        )
        const ready = await api().get('/readyz')
        expect(ready.status).toBe(200)
        expect(ready.body.checks.redis).toBe('ok')
        expect((await login()).status).toBe(200)
        return ms
      },
      /**
       * Every phone rung once and only once, the caller who phoned in handed to agent 1002 once,
       * and Postgres agreeing: one claimed attempt per callback, each with its call.
       */
      async expectEachDoneOnce(phones: string[], callerSid: string) {
        await until('every return call', () => phones.every((p) => dialsTo(p) > 0), 20_000)
        const ring = await until('agent 1002 to be rung', () =>
          createdCalls(x).find((c) => c.data['To'] === 'client:agent-1002'),
        )
        expect(find(await answerAndPress(x, ring), 'Conference')).toBeDefined()
        // Two more reconciler beats (1 s) and dispatch sweeps (0.5 s) find nothing left to do.
        await new Promise((res) => setTimeout(res, 2500))
        expect(phones.map(dialsTo)).toEqual(phones.map(() => 1))
        expect(dialsTo('client:agent-1002')).toBe(1)
        const attempts = await x.ctx.db
          .selectFrom('callbacks')
          .innerJoin('callback_attempts', 'callback_attempts.callback_id', 'callbacks.id')
          .select(['callbacks.id', 'callbacks.attempt', 'callback_attempts.call_sid'])
          .execute()
        expect(attempts).toHaveLength(phones.length)
        expect(new Set(attempts.map((a) => a.id)).size).toBe(phones.length)
        expect(attempts.every((a) => a.attempt === 1 && a.call_sid)).toBe(true)
        const owner = await x.ctx.db
          .selectFrom('calls')
          .innerJoin('cases', 'cases.id', 'calls.case_id')
          .innerJoin('agents', 'agents.id', 'cases.first_owner_id')
          .select('agents.job_number')
          .where('calls.call_sid', '=', callerSid)
          .executeTakeFirst()
        expect(owner?.job_number).toBe('1002')
        x.edge.assertAllValid()
      },
    }
  }

  const phone = (n: number) => `+86138000010${String(n).padStart(2, '0')}`
  const SCHEDULING_FAILED = 'scheduling failed; the reconciler will'
  const TRIGGER_FAILED = 'could not enqueue dispatch; the sweep will catch up'

  it('carries on when the primary dies: nothing lost, nothing done twice', async () => {
    const r = await startSentinelRedis()
    topologies.push(r)
    const s = await serviceOn(r)

    // Before: three return calls scheduled and made through the primary.
    const before = [1, 2, 3].map(phone)
    for (const p of before) await s.workDone(await s.walkIn(p))
    await until('the first return calls', () => s.allDialled(before), 15_000)

    // Around the kill: three jobs just added (due a second later, on the replica or not), and
    // two cases whose work is reported done only once the primary is gone.
    const around = [4, 5, 6].map(phone)
    const during = [7, 8].map(phone)
    const duringRefs = await Promise.all(during.map(s.walkIn))
    for (const p of around) await s.workDone(await s.walkIn(p))
    const killedAt = Date.now()
    await r.killPrimary()

    // The window: the API and the webhooks answer at once, without Redis.
    await until('the producer to notice', () => s.x.ctx.producer.status !== 'ready', 5000)
    const workDoneMs = []
    for (const ref of duringRefs) workDoneMs.push(await s.workDone(ref))
    let t0 = Date.now()
    const lockedOut = await s.login()
    const loginMs = Date.now() - t0
    const caller = await s.phoneIn('+8613500000999')
    t0 = Date.now()
    const unready = await s.api().get('/readyz')
    const readyzMs = Date.now() - t0
    // Every sentinel still names the dead primary: all of the above happened inside the window.
    expect(await s.primaryByAll(r.primaryPort)).toBe(true)
    expect(lockedOut.status).toBe(503)
    expect(unready.status).toBe(503)
    expect(unready.body.checks.redis).toMatch(/^failed/)
    // Milliseconds each, where waiting for Redis would take until the failover (seconds).
    expect(Math.max(...workDoneMs, loginMs, caller.ms / 2, readyzMs)).toBeLessThan(1000)
    // Both schedules and the caller's dispatch trigger failed for want of Redis; the
    // reconciler and the dispatcher's sweep, beating from Postgres, stand in for them.
    expect(s.warned(SCHEDULING_FAILED)).toBe(2)
    expect(s.warned(TRIGGER_FAILED)).toBeGreaterThan(0)

    // Down after 1 s, a vote, a promotion: seconds.
    expect(await s.waitForFailover(killedAt)).toBeLessThan(15_000)

    // After: new work goes straight through the new primary (no failed schedule).
    const after = [9, 10, 11].map(phone)
    for (const p of after) await s.workDone(await s.walkIn(p))
    expect(s.warned(SCHEDULING_FAILED)).toBe(2)

    // 11 callers, each rung exactly once: before (3), around the kill (3), during (2), after (3).
    await s.expectEachDoneOnce([...before, ...around, ...during, ...after], caller.sid)
  }, 45_000)

  it('moves off a primary that hangs, and never holds a request longer than the time limit', async () => {
    // Sentinels slower to call the primary down (4 s), so the requests below finish while
    // it still hangs: with no time limit they would wait for the failover.
    const r = await startSentinelRedis({ downAfterMs: 4000 })
    topologies.push(r)
    const s = await serviceOn(r)
    const before = [1, 2].map(phone)
    for (const p of before) await s.workDone(await s.walkIn(p))
    await until('the first return calls', () => s.allDialled(before), 15_000)

    const during = [3, 4].map(phone)
    const duringRefs = await Promise.all(during.map(s.walkIn))
    const frozenAt = Date.now()
    r.freezePrimary()
    // The primary's connections stay open and silent: each request gives up on Redis after
    // the producer's time limit and answers, as it does when Redis is gone.
    const [workDoneMs, login, caller, readyz] = await Promise.all([
      Promise.all(duringRefs.map((ref) => s.workDone(ref))),
      s.login(),
      s.phoneIn('+8613500000888'),
      s.api().get('/readyz'),
    ])
    const elapsed = Date.now() - frozenAt
    expect(await s.primaryByAll(r.primaryPort)).toBe(true)
    expect(login.status).toBe(503)
    expect(readyz.status).toBe(503)
    // 2 s for the one Redis command each holds, plus the request's own work: under 4 s, the
    // time the sentinels take to call the primary down.
    expect(Math.max(...workDoneMs, caller.ms)).toBeGreaterThanOrEqual(PRODUCER_COMMAND_TIMEOUT_MS)
    expect(elapsed).toBeLessThan(4000)
    expect(s.warned(SCHEDULING_FAILED)).toBe(2)

    // The sentinels' +switch-master moves every connection off the hung primary (ioredis's
    // failover detector): without it they would stay on it for good.
    expect(await s.waitForFailover(frozenAt)).toBeLessThan(20_000)
    const after = [5, 6].map(phone)
    for (const p of after) await s.workDone(await s.walkIn(p))
    expect(s.warned(SCHEDULING_FAILED)).toBe(2)
    await s.expectEachDoneOnce([...before, ...during, ...after], caller.sid)
  }, 50_000)
})
