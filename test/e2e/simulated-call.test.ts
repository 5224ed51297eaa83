import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { inject } from 'vitest'

import type { AppContext } from '../../src/context.ts'
import { startService } from '../../src/main.ts'
import type { SimEvent } from '../../src/telephony/simulator/simulator.ts'
import { cloneTestDatabase } from '../helpers/databases.ts'
import { ZH_HOTLINE } from '../helpers/harness.ts'
import { freePort, type RunningService, startSimulatedService, until } from '../helpers/service.ts'

/**
 * The whole service as `npm start` runs it, with the local simulator playing Twilio over real
 * HTTP: a caller phones the hotline, picks a category, waits; agents are rung; the one whose
 * phone answers and presses 1 becomes first owner and is bridged to the caller.
 */
describe('a simulated call, end to end', () => {
  let ctx: AppContext
  let service: RunningService
  const events: SimEvent[] = []

  beforeAll(async () => {
    service = await startSimulatedService()
    ctx = service.ctx
    service.sim.subscribe((e) => events.push(e))
  })
  afterAll(() => service.stop())

  it('makes the agent who answers the first owner, and bridges the caller', async () => {
    const sim = ctx.simulator
    if (!sim) throw new Error('expected the simulator: no Twilio credentials were given')
    // Agent 1002 answers after a moment and presses 1 at the whisper; 1001 and 1003 never answer.
    sim.registerDevice('client:agent-1002', { autoAnswer: { afterMs: 100, digits: '1' } })

    const { callSid } = await sim.placeCall({
      from: '+8613812345678',
      to: ZH_HOTLINE,
      callerName: 'LI SI',
    })
    await until('the menu', () => events.find((e) => e.type === 'gather' && e.callSid === callSid))
    sim.press(callSid, '1')

    const kase = await until('a first owner', async () => {
      const row = await ctx.db
        .selectFrom('cases')
        .innerJoin('agents', 'agents.id', 'cases.first_owner_id')
        .select(['cases.id', 'cases.reference', 'agents.job_number'])
        .executeTakeFirst()
      return row
    })
    expect(kase.job_number).toBe('1002')
    expect(kase.reference).toMatch(/^HL-\d{8}-0001$/)

    await until('the caller bridged to the agent', () => {
      const conf = sim.snapshot().conferences.find((c) => c.name === `call-${callSid}`)
      return conf && conf.status !== 'init' && conf.participants.length === 2 ? conf : undefined
    })
    const said = events
      .filter((e) => e.type === 'say' && e.callSid === callSid)
      .map((e) => (e.type === 'say' ? e.text : ''))
    expect(said.some((t) => t.includes('首问服务热线'))).toBe(true)

    sim.hangup(callSid)
    await until('the caller leg completed', async () => {
      const r = await ctx.db
        .selectFrom('calls')
        .select(['status', 'queue_state'])
        .where('call_sid', '=', callSid)
        .executeTakeFirst()
      return r?.status === 'completed' ? r : undefined
    })
    const types = (
      await ctx.db
        .selectFrom('case_events')
        .select('type')
        .where('case_id', '=', kase.id)
        .orderBy('id')
        .execute()
    ).map((e) => e.type)
    expect(types).toEqual(['case_opened', 'call_queued', 'first_owner_claimed'])
    const legs = await ctx.db
      .selectFrom('calls')
      .select(['kind', 'agent_id'])
      .where('parent_call_sid', '=', callSid)
      .execute()
    expect(legs.length).toBeGreaterThanOrEqual(1)
  })
})

describe('health and shutdown', () => {
  it('is ready with Postgres, Redis and migrations, and stops cleanly on request', async () => {
    const db = await cloneTestDatabase(inject('pgServerUrl'))
    const port = await freePort()
    const { stop } = await startService({
      TWILIO_MODE: 'simulator',
      PORT: String(port),
      DATABASE_URL: db.url,
      REDIS_URL: inject('redisUrl'),
      QUEUE_PREFIX: `hz${port}`,
      LOG_LEVEL: 'silent',
    })
    try {
      const health = await fetch(`http://127.0.0.1:${port}/healthz`)
      expect(health.status).toBe(200)
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`)
      expect(await ready.json()).toMatchObject({
        status: 'ready',
        twilio: 'simulator',
        checks: { postgres: 'ok', redis: 'ok', migrations: 'ok' },
      })
    } finally {
      await stop()
      await db.drop()
    }
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow()
  })
})

describe('the life of a case in the simulator, from call to caller-confirmed closure', () => {
  it('closes only when the caller presses 1 on the return call', async () => {
    const events: SimEvent[] = []
    const service = await startSimulatedService({
      CONFIRMATION_DELAY_SECONDS: '0',
      CALLING_HOURS: '00:00-24:00',
    })
    const { ctx, sim, base } = service
    try {
      sim.subscribe((e) => events.push(e))
      sim.registerDevice('client:agent-1001', { autoAnswer: { afterMs: 50, digits: '1' } })
      const caller = '+8613912345678'
      const { callSid } = await sim.placeCall({ from: caller, to: ZH_HOTLINE })
      await until('the menu', () =>
        events.find((e) => e.type === 'gather' && e.callSid === callSid),
      )
      sim.press(callSid, '1')
      const kase = await until('a first owner', () =>
        ctx.db
          .selectFrom('cases')
          .select(['id', 'reference'])
          .where('first_owner_id', 'is not', null)
          .executeTakeFirst(),
      )
      sim.hangup(callSid)

      // The owner reports the work done through the API; the caller's phone takes the return call.
      sim.registerDevice(caller, { autoAnswer: { afterMs: 50, digits: '1' } })
      const login = await fetch(`${base}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jobNumber: '1001', password: 'shouwen-demo' }),
      })
      const { token } = (await login.json()) as { token: string }
      const done = await fetch(`${base}/api/cases/${kase.reference}/work-done`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ summary: 'Replaced the tap' }),
      })
      expect(done.status).toBe(202)

      const closed = await until('the caller to confirm', async () => {
        const r = await ctx.db
          .selectFrom('cases')
          .select(['status', 'closed_by'])
          .where('id', '=', kase.id)
          .executeTakeFirst()
        return r?.status === 'closed' ? r : undefined
      })
      expect(closed.closed_by).toBe('caller')
      const heard = events.filter((e) => e.type === 'say' && e.text.includes('回访')).length
      expect(heard).toBeGreaterThan(0)
    } finally {
      await service.stop()
    }
  })
})
