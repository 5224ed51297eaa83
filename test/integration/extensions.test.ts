import request from 'supertest'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

import { runDeadlineSweep } from '../../src/deadlines/escalation.ts'
import type { Harness } from '../helpers/harness.ts'
import { createHarness, manualClock, ZH_HOTLINE } from '../helpers/harness.ts'
import type { LiveCall } from '../helpers/live-call.ts'
import { liveCall, login } from '../helpers/live-call.ts'

const MONDAY_10AM = new Date('2026-11-23T02:00:00Z')
const CALLER = '+8613900001234'
const REASON = 'The replacement pump is on order from the supplier'
const DAY_MS = 24 * 3600_000

describe('extensions only with a manager approval (issue 10 point 6)', () => {
  let h: Harness
  let call: LiveCall
  const clock = manualClock(MONDAY_10AM)
  beforeEach(async () => {
    clock.set(MONDAY_10AM)
    h = await createHarness({ clock })
    call = await liveCall(h, { from: CALLER })
  })
  afterEach(async () => {
    h.edge.assertAllValid()
    await h.close()
  })
  const api = () => request(h.app)
  const path = (suffix: string) => `/api/cases/${call.reference}${suffix}`
  const ask = (auth: { Authorization: string }, body: object) =>
    api().post(path('/extension-requests')).set(auth).send(body)
  const decide = (auth: { Authorization: string }, id: string, verb: string, body = {}) =>
    api().post(`/api/extension-requests/${id}/${verb}`).set(auth).send(body)
  const resolution = async () => {
    const r = await api()
      .get(path(''))
      .set(await login(h, '3001'))
    const clocks = r.body.clocks as { step: string; dueAt: string }[]
    return clocks.find((c) => c.step === 'resolution') as Record<string, unknown>
  }
  const events = async (prefix: string) =>
    (
      await h.ctx.db
        .selectFrom('case_events')
        .select(['type', 'data'])
        .where('type', 'like', `${prefix}%`)
        .orderBy('id')
        .execute()
    ).map((e) => ({ type: e.type, data: e.data }))
  const smsToCaller = () =>
    h.edge.requests.filter((r) => r.operationId === 'CreateMessage' && r.data['To'] === CALLER)
  // A fresh login: a day later the morning's session has expired.
  const workDone = async () =>
    api()
      .post(path('/work-done'))
      .set(await login(h, '1001'))
      .send({ summary: 'Pump replaced' })
  const count = async (table: 'extension_requests' | 'case_events' | 'notifications') =>
    Number(
      (
        await h.ctx.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    )

  it('approved by a manager, the step is judged against the new time and the caller is told', async () => {
    const before = await resolution()
    const dueAt = new Date(String(before['dueAt']))
    const newDueAt = new Date(dueAt.getTime() + 2 * DAY_MS)
    const asked = await ask(call.auth, { step: 'resolution', newDueAt, reason: REASON })
    expect(asked.status, JSON.stringify(asked.body)).toBe(201)
    const id = String(asked.body.id)
    expect(id).toMatch(/^[0-9a-f-]{36}$/)
    const told = await h.ctx.db
      .selectFrom('notifications as n')
      .innerJoin('agents as a', 'a.id', 'n.agent_id')
      .select('a.job_number')
      .where('n.kind', '=', 'extension_requested')
      .orderBy('a.job_number')
      .execute()
    expect(told.map((n) => n.job_number)).toEqual(['3001', '9001'])

    const manager = await login(h, '3001')
    const waiting = await api().get('/api/extension-requests/waiting').set(manager)
    expect(waiting.body.extensionRequests).toEqual([
      expect.objectContaining({ id, step: 'resolution', reason: REASON, requestedBy: '1001' }),
    ])
    // The owner, a supervisor and an agent decide nothing, and see no list.
    expect((await api().get('/api/extension-requests/waiting').set(call.auth)).status).toBe(403)
    expect((await decide(call.auth, id, 'approve')).status).toBe(403)
    expect((await decide(await login(h, '2001'), id, 'approve')).status).toBe(403)
    expect((await resolution())['dueAt']).toBe(dueAt.toISOString())

    clock.advance(3600_000)
    const approved = await decide(manager, id, 'approve', { note: 'Approved: supplier delay' })
    expect(approved.status, JSON.stringify(approved.body)).toBe(200)
    expect(approved.body.extensionRequest).toMatchObject({
      decision: 'approved',
      decidedBy: '3001',
    })
    expect((await decide(manager, id, 'refuse')).status).toBe(409)
    expect(await resolution()).toMatchObject({
      dueAt: newDueAt.toISOString(),
      originalDueAt: dueAt.toISOString(),
      outcome: 'open',
    })
    const row = await h.ctx.db
      .selectFrom('case_deadlines as d')
      .innerJoin('agents as a', 'a.id', 'd.extended_by')
      .select(['a.job_number', 'd.extension_reason'])
      .where('d.step', '=', 'resolution')
      .executeTakeFirstOrThrow()
    expect(row).toEqual({ job_number: '3001', extension_reason: REASON })
    expect((await events('extension_')).map((e) => e.type)).toEqual([
      'extension_requested',
      'extension_approved',
    ])
    expect((await events('extension_approved'))[0]?.data).toMatchObject({
      oldDueAt: dueAt.toISOString(),
      newDueAt: newDueAt.toISOString(),
      decidedBy: '3001',
    })
    const sms = smsToCaller().at(-1)
    expect(sms?.data['From']).toBe(ZH_HOTLINE)
    expect(String(sms?.data['Body'])).toContain(REASON)
    // The new time, as the caller reads a clock in the hotline's time zone (UTC+8).
    const local = new Date(newDueAt.getTime() + 8 * 3600_000)
    const hhmm = local.toISOString().slice(11, 16)
    expect(String(sms?.data['Body'])).toContain(
      `${local.getUTCMonth() + 1}月${local.getUTCDate()}日 ${hhmm}`,
    )

    // Past the first due time, before the new one: no breach, and the work done is on time.
    clock.set(new Date(dueAt.getTime() + DAY_MS))
    await runDeadlineSweep(h.ctx)
    expect((await events('limit_breached')).filter((e) => e.data['step'] === 'resolution')).toEqual(
      [],
    )
    expect((await workDone()).status).toBe(202)
    expect((await resolution())['outcome']).toBe('met')
  })

  it('without approval a late step is missed; a refusal moves nothing and texts nobody', async () => {
    const dueAt = new Date(String((await resolution())['dueAt']))
    const newDueAt = new Date(dueAt.getTime() + DAY_MS)
    const asked = await ask(call.auth, { step: 'resolution', newDueAt, reason: REASON })
    expect(asked.status).toBe(201)
    const smsBefore = smsToCaller().length
    const refused = await decide(await login(h, '9001'), String(asked.body.id), 'refuse', {
      note: 'Borrow a pump from the other site',
    })
    expect(refused.status, JSON.stringify(refused.body)).toBe(200)
    expect(refused.body.extensionRequest).toMatchObject({ decision: 'refused', decidedBy: '9001' })
    expect(smsToCaller()).toHaveLength(smsBefore)
    expect((await resolution())['dueAt']).toBe(dueAt.toISOString())

    clock.set(new Date(dueAt.getTime() + 60_000))
    await runDeadlineSweep(h.ctx)
    expect(
      (await events('limit_breached')).filter((e) => e.data['step'] === 'resolution'),
    ).toHaveLength(1)
    expect((await workDone()).status).toBe(202)
    expect((await resolution())['outcome']).toBe('missed')
  })

  it('a manager who asked may not approve their own request', async () => {
    const manager = await login(h, '3001')
    const dueAt = new Date(String((await resolution())['dueAt']))
    const newDueAt = new Date(dueAt.getTime() + DAY_MS)
    const asked = await ask(manager, { step: 'resolution', newDueAt, reason: REASON })
    expect(asked.status).toBe(201)
    const own = await decide(manager, String(asked.body.id), 'approve')
    expect(own.status).toBe(403)
    expect((await resolution())['dueAt']).toBe(dueAt.toISOString())
    expect((await decide(await login(h, '9001'), String(asked.body.id), 'approve')).status).toBe(
      200,
    )
  })

  it('refuses bad input with 400 and changes nothing', async () => {
    const dueAt = new Date(String((await resolution())['dueAt']))
    const later = new Date(dueAt.getTime() + DAY_MS).toISOString()
    const before = [
      await count('extension_requests'),
      await count('case_events'),
      await count('notifications'),
    ]
    const bad: [string, object][] = [
      ['no reason', { step: 'resolution', newDueAt: later }],
      ['short reason', { step: 'resolution', newDueAt: later, reason: 'x' }],
      ['not a time', { step: 'resolution', newDueAt: 'tomorrow', reason: REASON }],
      ['unknown step', { step: 'lunch', newDueAt: later, reason: REASON }],
      ['extra field', { step: 'resolution', newDueAt: later, reason: REASON, x: 1 }],
      ['earlier', { step: 'resolution', newDueAt: dueAt.toISOString(), reason: REASON }],
      ['no such clock', { step: 'department_answer', newDueAt: later, reason: REASON }],
    ]
    for (const [what, body] of bad) {
      const r = await ask(call.auth, body)
      expect(r.status, `${what}: ${JSON.stringify(r.body)}`).toBe(400)
    }
    const manager = await login(h, '3001')
    expect((await decide(manager, 'not-an-id', 'approve')).status).toBe(400)
    expect((await decide(manager, crypto.randomUUID(), 'approve')).status).toBe(404)
    expect([
      await count('extension_requests'),
      await count('case_events'),
      await count('notifications'),
    ]).toEqual(before)
    expect((await resolution())['dueAt']).toBe(dueAt.toISOString())
  })

  it('answers 409 on an ended case, and a request left waiting can no longer move its clock', async () => {
    const dueAt = new Date(String((await resolution())['dueAt']))
    const newDueAt = new Date(dueAt.getTime() + DAY_MS)
    const waiting = await ask(call.auth, { step: 'resolution', newDueAt, reason: REASON })
    expect(waiting.status).toBe(201)
    expect((await workDone()).status).toBe(202)
    await h
      .twilioPost('/sms/incoming', {
        MessageSid: `SM${'b'.repeat(32)}`,
        From: CALLER,
        To: ZH_HOTLINE,
        Body: '1',
      })
      .expect(200)
    const before = [await count('extension_requests'), await count('case_events')]
    const r = await ask(call.auth, { step: 'resolution', newDueAt, reason: REASON })
    expect(r.status).toBe(409)
    expect(r.body.error.message).toContain(`case ${call.reference} is closed`)
    const late = await decide(await login(h, '3001'), String(waiting.body.id), 'approve')
    expect(late.status).toBe(409)
    expect([await count('extension_requests'), await count('case_events')]).toEqual(before)
    expect((await resolution())['outcome']).toBe('met')
  })
})
