import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { runDispatch } from '../../src/calls/dispatcher.ts'
import { DEMO_PASSWORD } from '../../src/db/demo-data.ts'
import { answerAndPress, createdCalls, queuedCall } from '../helpers/call-steps.ts'
import type { Harness } from '../helpers/harness.ts'
import { createHarness } from '../helpers/harness.ts'

describe('the agent API', () => {
  let h: Harness
  let reference: string
  const tokens: Record<string, string> = {}
  const api = () => request(h.app)

  beforeAll(async () => {
    h = await createHarness({ env: { RING_WAVE_SIZE: '1' } })
    for (const job of ['1001', '1002', '2001']) {
      const res = await api()
        .post('/api/auth/login')
        .send({ jobNumber: job, password: DEMO_PASSWORD })
      expect(res.status).toBe(200)
      tokens[job] = res.body.token as string
    }
    // Agent 1001 answers a call and becomes first owner.
    await h.ctx.db
      .updateTable('agents')
      .set({ presence: 'away' })
      .where('job_number', '!=', '1001')
      .execute()
    await queuedCall(h, '1', '+8613600000000')
    await runDispatch(h.ctx)
    await answerAndPress(h, createdCalls(h)[0])
    reference = (await h.ctx.db.selectFrom('cases').select('reference').executeTakeFirstOrThrow())
      .reference
  })
  afterAll(async () => {
    await h.close()
  })

  const as = (job: string) => ({ Authorization: `Bearer ${tokens[job]}` })

  it('refuses a wrong password and a missing or forged token', async () => {
    expect(
      (await api().post('/api/auth/login').send({ jobNumber: '1001', password: 'nope' })).status,
    ).toBe(401)
    expect(
      (await api().post('/api/auth/login').send({ jobNumber: '7777', password: 'nope' })).status,
    ).toBe(401)
    expect((await api().get('/api/me')).status).toBe(401)
    expect((await api().get('/api/me').set({ Authorization: 'Bearer sw_s_forged' })).status).toBe(
      401,
    )
  })

  it('lets an agent set presence, and refuses a value that is not one', async () => {
    const ok = await api().put('/api/me/presence').set(as('1002')).send({ presence: 'available' })
    expect(ok.status).toBe(200)
    const bad = await api().put('/api/me/presence').set(as('1002')).send({ presence: 'asleep' })
    expect(bad.status).toBe(400)
    expect(bad.body.error.message).toContain('presence')
    const row = await h.ctx.db
      .selectFrom('agents')
      .select('presence')
      .where('job_number', '=', '1002')
      .executeTakeFirstOrThrow()
    expect(row.presence).toBe('available')
  })

  it('lets the first owner record place, content and contact; each change is an event', async () => {
    const res = await api().patch(`/api/cases/${reference}`).set(as('1001')).send({
      place: 'Building 3, unit 502',
      content: 'Kitchen tap leaking',
      contactName: 'Mr Wang',
      contactPhone: '+8613600000000',
    })
    expect(res.status).toBe(200)
    expect(res.body.case).toMatchObject({
      place: 'Building 3, unit 502',
      content: 'Kitchen tap leaking',
    })
    const got = await api().get(`/api/cases/${reference}`).set(as('1001'))
    const updated = (
      got.body.events as { type: string; data: { changes: Record<string, unknown> } }[]
    ).find((e) => e.type === 'case_updated')
    expect(Object.keys(updated?.data.changes ?? {}).sort()).toEqual([
      'contact_name',
      'contact_phone',
      'content',
      'place',
    ])
    const mine = await api().get('/api/cases/mine').set(as('1001'))
    expect((mine.body.cases as { reference: string }[]).map((c) => c.reference)).toEqual([
      reference,
    ])
  })

  it('refuses another agent, an unknown case, an unknown category and unknown fields, changing nothing', async () => {
    const before = await h.ctx.db
      .selectFrom('case_events')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow()
    expect(
      (await api().patch(`/api/cases/${reference}`).set(as('1002')).send({ place: 'x' })).status,
    ).toBe(403)
    expect((await api().get(`/api/cases/${reference}`).set(as('1002'))).status).toBe(403)
    expect(
      (await api().patch('/api/cases/HL-20990101-9999').set(as('1001')).send({ place: 'x' }))
        .status,
    ).toBe(404)
    expect(
      (await api().patch('/api/cases/not-a-ref').set(as('1001')).send({ place: 'x' })).status,
    ).toBe(400)
    const cat = await api()
      .patch(`/api/cases/${reference}`)
      .set(as('1001'))
      .send({ category: 'astrology' })
    expect(cat.status).toBe(400)
    expect(cat.body.error.message).toContain('astrology')
    expect(
      (await api().patch(`/api/cases/${reference}`).set(as('1001')).send({ firstOwnerId: 5 }))
        .status,
    ).toBe(400)
    const after = await h.ctx.db
      .selectFrom('case_events')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow()
    expect(after.n).toEqual(before.n)
  })

  it('lets a supervisor see and correct any case, and only supervisors list agents', async () => {
    expect(
      (await api().patch(`/api/cases/${reference}`).set(as('2001')).send({ category: 'complaint' }))
        .status,
    ).toBe(200)
    expect((await api().get('/api/agents').set(as('1001'))).status).toBe(403)
    expect((await api().get('/api/agents').set(as('2001'))).status).toBe(200)
  })

  it('serves the rates to supervisors, mounted on the API', async () => {
    expect((await api().get('/api/rates?period=2026-11&by=all').set(as('1001'))).status).toBe(403)
    const r = await api().get('/api/rates?period=2026-11&by=all').set(as('2001'))
    expect(r.status).toBe(200)
    const csv = await api().get('/api/rates.csv?period=2026-11&by=category').set(as('2001'))
    expect(csv.status).toBe(200)
    expect(csv.headers['content-type']).toContain('text/csv')
  })

  it('issues a long-lived agent token for scripts, usable like a session', async () => {
    const res = await api().post('/api/auth/tokens').set(as('1001')).send({ label: 'crm sync' })
    expect(res.status).toBe(201)
    const me = await api()
      .get('/api/me')
      .set({ Authorization: `Bearer ${res.body.token}` })
    expect(me.body.agent.jobNumber).toBe('1001')
  })
})
