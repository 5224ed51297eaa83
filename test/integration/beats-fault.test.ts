import { randomBytes } from 'node:crypto'

import request from 'supertest'
import { afterEach, describe, expect, inject, it } from 'vitest'

import { claimBeat, finishBeat, leaseMs, listBeats } from '../../src/beats/beats.repository.ts'
import { removeLegacySchedulers } from '../../src/queues/callbacks.queue.ts'
import { createdCalls, queuedCall } from '../helpers/call-steps.ts'
import { caseAwaitingConfirmation } from '../helpers/case-steps.ts'
import { cloneTestDatabase } from '../helpers/databases.ts'
import type { Harness } from '../helpers/harness.ts'
import { createHarness } from '../helpers/harness.ts'
import type { PrivateRedis } from '../helpers/private-redis.ts'
import { startPrivateRedis } from '../helpers/private-redis.ts'
import type { RoleService } from '../helpers/role-services.ts'
import { startRole } from '../helpers/role-services.ts'
import { until } from '../helpers/service.ts'

/**
 * Every periodic duty keeps beating when Redis loses everything while the service runs: no
 * restart, the pending work done within a beat or two, and done once.
 */
describe('periodic duties after Redis is wiped', () => {
  let h: Harness | undefined
  let redis: PrivateRedis | undefined
  afterEach(async () => {
    await h?.close()
    await redis?.stop()
    h = undefined
    redis = undefined
  })

  const BEAT_MS = 500
  async function running(env: Record<string, string> = {}) {
    redis = await startPrivateRedis()
    h = await createHarness({
      redis: redis.url,
      env: {
        CALLING_HOURS: '00:00-24:00',
        DISPATCH_SWEEP_MS: String(BEAT_MS),
        RECONCILE_EVERY_MS: '1000',
        DEADLINE_SWEEP_MS: String(BEAT_MS),
        ...env,
      },
    })
    return h
  }
  const start = (x: Harness) => {
    x.ctx.startWorkers()
    x.ctx.startBeats()
  }
  const runsOf = async (x: Harness, name: string) =>
    (await listBeats(x.ctx.db)).find((b) => b.name === name)?.runs ?? 0
  const settle = (ms: number) => new Promise((r) => setTimeout(r, ms))

  it('makes the return call whose job the wipe deleted, once', async () => {
    const x = await running({ CONFIRMATION_DELAY_SECONDS: '3' })
    const c = await caseAwaitingConfirmation(x)
    start(x)
    expect((await x.ctx.callbacksQueue.getJobCounts()).delayed).toBe(1)
    await redis!.wipe()
    expect((await x.ctx.callbacksQueue.getJobCounts()).delayed).toBe(0)
    const runsAtWipe = await runsOf(x, 'callbacks-reconcile')

    const toCaller = () => createdCalls(x).filter((r) => r.data['To'] === '+8613800007777')
    await until('the return call', () => toCaller().length > 0, 15_000)
    expect(await runsOf(x, 'callbacks-reconcile')).toBeGreaterThan(runsAtWipe)
    const cb = await x.ctx.db
      .selectFrom('callbacks')
      .select(['status', 'attempt'])
      .where('id', '=', c.callbackId)
      .executeTakeFirstOrThrow()
    expect(cb).toMatchObject({ status: 'dialing', attempt: 1 })
    // Several more reconciler beats see the attempt claimed and add nothing.
    await settle(3000)
    expect(toCaller()).toHaveLength(1)
  })

  it('reports a breached limit and texts it after the wipe, once', async () => {
    const x = await running()
    const c = await caseAwaitingConfirmation(x)
    await x.ctx.db
      .updateTable('agents')
      .set({ phone_number: '+8613900001001' })
      .where('job_number', '=', '1001')
      .execute()
    start(x)
    await until('a deadlines beat', async () => (await runsOf(x, 'deadlines-sweep')) > 0)
    await redis!.wipe()
    // The record clock (still open) runs out only now, after the wipe.
    const dueAt = new Date(Date.now() - 60_000)
    await x.ctx.db
      .updateTable('case_deadlines')
      .set({ due_at: dueAt, warn_at: new Date(dueAt.getTime() - 60_000) })
      .where('case_id', '=', c.caseId)
      .where('step', '=', 'record')
      .execute()
    const breachEvents = () =>
      x.ctx.db
        .selectFrom('case_events')
        .select('data')
        .where('case_id', '=', c.caseId)
        .where('type', '=', 'limit_breached')
        .execute()
    await until('the breach', async () => (await breachEvents()).length > 0, 10_000)
    const toOwner = () =>
      x.edge.requests.filter(
        (r) => r.operationId === 'CreateMessage' && r.data['To'] === '+8613900001001',
      )
    await until('the SMS to the owner', () => toOwner().length > 0, 10_000)
    await settle(2000)
    expect(await breachEvents()).toHaveLength(1)
    // Both passed while Redis was empty: the warning and the breach, each texted once.
    // (Sorted: two sweeps under load may send them in either order.)
    expect(
      toOwner()
        .map((r) => String(r.data['Body']))
        .sort(),
    ).toEqual([
      `Case ${c.reference}: record is due at ${dueAt.toISOString()}.`,
      `Case ${c.reference}: the record limit was missed (due ${dueAt.toISOString()}).`,
    ])
  })

  it('rings an agent for a waiting caller after the wipe, once', async () => {
    const x = await running()
    await x.ctx.db
      .updateTable('agents')
      .set({ presence: 'away' })
      .where('job_number', '!=', '1002')
      .execute()
    const [acd] = x.ctx.startWorkers()
    x.ctx.startBeats()
    // Triggered dispatch waits: only the sweep's beat can ring anyone in this test.
    await acd!.pause()
    await until('a dispatch beat', async () => (await runsOf(x, 'dispatch-sweep')) > 0)
    await redis!.wipe()
    const sid = await queuedCall(x, '1')
    const toAgent = () => createdCalls(x).filter((r) => r.data['To'] === 'client:agent-1002')
    await until('the agent to be rung', () => toAgent().length > 0, 10_000)
    await settle(2000)
    expect(toAgent()).toHaveLength(1)
    const offers = await x.ctx.db
      .selectFrom('agent_offers')
      .select('status')
      .where('call_sid', '=', sid)
      .execute()
    expect(offers).toHaveLength(1)
    // The caller's own trigger, run late, finds the wave ringing and rings nobody else.
    await acd!.resume()
    await settle(1500)
    expect(createdCalls(x)).toHaveLength(1)
  })

  it('runs each duty once per beat across several processes', async () => {
    const x = await running()
    // Three processes' beat runners on one database: as many runs as beats, not three times.
    const runners = [x.ctx.startBeats(), x.ctx.startBeats(), x.ctx.startBeats()]
    const t0 = Date.now()
    await settle(3000)
    await Promise.all(runners.map((r) => r.stop()))
    const elapsed = Date.now() - t0
    const beats = await listBeats(x.ctx.db)
    const sweep = beats.find((b) => b.name === 'dispatch-sweep')
    // 3 s at a 500 ms beat: about 6 runs (each starts up to a fifth of a beat late), never ~18.
    expect(sweep?.runs).toBeGreaterThanOrEqual(4)
    expect(sweep?.runs).toBeLessThanOrEqual(Math.ceil(elapsed / BEAT_MS) + 1)
    expect(beats.map((b) => b.name).sort()).toEqual([
      'callbacks-reconcile',
      'deadlines-sweep',
      'dispatch-sweep',
      'recordings-retention',
      'retention',
      'stale-calls',
    ])
    expect(beats.every((b) => b.failures === 0)).toBe(true)
    const ready = await request(x.app).get('/readyz')
    expect(ready.body.beats['dispatch-sweep']).toMatchObject({ late: false, failing: false })
    expect(ready.body.beats['dispatch-sweep']).not.toHaveProperty('lastError')
    // Nothing beats for long enough (as if every worker were gone): monitoring sees it late.
    await x.ctx.db
      .updateTable('periodic_duties')
      .set({ last_ok_at: new Date(Date.now() - 120_000) })
      .where('name', '=', 'dispatch-sweep')
      .execute()
    const stale = await request(x.app).get('/readyz')
    expect(stale.body.beats['deadlines-sweep'].late).toBe(false)
    expect(stale.body.beats['dispatch-sweep'].late).toBe(true)
  })
})

describe('periodic duties across roles', () => {
  it('never beat on a web-only process, and beat once per beat across two worker processes', async () => {
    const BEAT_MS = 500
    const db = await cloneTestDatabase(inject('pgServerUrl'))
    const started: RoleService[] = []
    try {
      const o = { databaseUrl: db.url, queuePrefix: `beats${randomBytes(3).toString('hex')}` }
      const env = {
        DISPATCH_SWEEP_MS: String(BEAT_MS),
        DEADLINE_SWEEP_MS: String(BEAT_MS),
        RECONCILE_EVERY_MS: '1000',
      }
      const web = await startRole('web', o, env)
      started.push(web)
      // Three beats' time with only the web up: no duty is even claimed.
      await new Promise((r) => setTimeout(r, 3 * BEAT_MS))
      expect(await listBeats(web.ctx.db)).toEqual([])

      const t0 = Date.now()
      for (let i = 0; i < 2; i++)
        started.push(await startRole('worker', { ...o, publicBaseUrl: web.base }, env))
      await new Promise((r) => setTimeout(r, 3000))
      await Promise.all(started.slice(1).map((w) => w.stop()))
      const elapsed = Date.now() - t0
      const beats = await listBeats(web.ctx.db)
      const sweep = beats.find((b) => b.name === 'dispatch-sweep')
      // ~3.2 s (two starts and 3 s) at a 500 ms beat: about 6 runs, never twice that.
      expect(sweep?.runs).toBeGreaterThanOrEqual(4)
      expect(sweep?.runs).toBeLessThanOrEqual(Math.ceil(elapsed / BEAT_MS) + 1)
      expect(beats.map((b) => b.name).sort()).toEqual([
        'callbacks-reconcile',
        'deadlines-sweep',
        'dispatch-sweep',
        'recordings-retention',
        'retention',
        'stale-calls',
      ])
    } finally {
      for (const s of started.reverse()) await s.stop()
      await db.drop()
    }
  })
})

describe('a beat claim', () => {
  let h: Harness | undefined
  afterEach(async () => {
    await h?.close()
  })

  it('is won once per period, and at once when the period was shortened', async () => {
    h = await createHarness()
    const db = h.ctx.db
    const claim = (everyMs: number, runner = 'a') =>
      claimBeat(db, { name: 'test-duty', everyMs, runner })
    const finish = (runner: string) => finishBeat(db, { name: 'test-duty', runner, error: null })
    expect(await claim(60_000)).toBe(true)
    await finish('a')
    expect(await claim(60_000, 'b')).toBe(false)
    // An operator lowered the period from a minute to a second: no waiting out the old one.
    expect(await claim(1000, 'b')).toBe(true)
    await finish('b')
    expect(await claim(1000, 'a')).toBe(false)
    await new Promise((r) => setTimeout(r, 1100))
    const both = await Promise.all([claim(1000, 'a'), claim(1000, 'b')])
    expect(both.filter(Boolean)).toHaveLength(1)
    const [beat] = await listBeats(db)
    expect(beat).toMatchObject({ name: 'test-duty', everyMs: 1000, runs: 3 })
  })

  it('waits for a run still going on another process, until its lease runs out', async () => {
    h = await createHarness()
    const db = h.ctx.db
    const claim = (runner: string) => claimBeat(db, { name: 'slow-duty', everyMs: 200, runner })
    expect(await claim('a')).toBe(true)
    // a's run takes longer than a beat: b finds the beat due but the duty still running.
    await new Promise((r) => setTimeout(r, 300))
    expect(await claim('b')).toBe(false)
    // a's process died long ago: past the lease, b takes over.
    await db
      .updateTable('periodic_duties')
      .set({ last_started_at: new Date(Date.now() - leaseMs(200) - 1000) })
      .execute()
    expect(await claim('b')).toBe(true)
    // a's late finish does not mark b's run finished.
    await finishBeat(db, { name: 'slow-duty', runner: 'a', error: null })
    await new Promise((r) => setTimeout(r, 300))
    expect(await claim('a')).toBe(false)
    await finishBeat(db, { name: 'slow-duty', runner: 'b', error: null })
    expect(await claim('a')).toBe(true)
  })
})

describe('an upgrade from the BullMQ job schedulers', () => {
  let h: Harness | undefined
  afterEach(async () => {
    await h?.close()
  })

  it('drops the schedulers an earlier version registered, so no duty runs twice', async () => {
    h = await createHarness()
    const { callbacksQueue, acdQueue } = h.ctx
    await callbacksQueue.upsertJobScheduler('callbacks-reconcile', { every: 60_000 }, {})
    await callbacksQueue.upsertJobScheduler('deadlines-sweep', { every: 15_000 }, {})
    await acdQueue.upsertJobScheduler('acd-sweep', { every: 5000 }, {})
    expect(await callbacksQueue.getJobSchedulersCount()).toBe(2)
    await removeLegacySchedulers({ callbacks: callbacksQueue, acd: acdQueue })
    expect(await callbacksQueue.getJobSchedulersCount()).toBe(0)
    expect(await acdQueue.getJobSchedulersCount()).toBe(0)
    await callbacksQueue.obliterate({ force: true })
  })
})
