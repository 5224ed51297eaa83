import request from 'supertest'
import { afterEach, describe, expect, it } from 'vitest'

import { sendNotificationSms } from '../../src/callbacks/notification-sms.ts'
import { runDispatch } from '../../src/calls/dispatcher.ts'
import { DEMO_PASSWORD } from '../../src/db/demo-data.ts'
import { runDeadlineSweep } from '../../src/deadlines/escalation.ts'
import { answerAndPress, createdCalls, queuedCall } from '../helpers/call-steps.ts'
import type { Harness } from '../helpers/harness.ts'
import { createHarness, manualClock } from '../helpers/harness.ts'

/** Monday 23 November 2026, 10:00 in Shanghai. */
const MONDAY_10AM = new Date('2026-11-23T02:00:00Z')

describe('time limits on a case and their escalation', () => {
  let h: Harness
  const clock = manualClock(MONDAY_10AM)
  afterEach(async () => {
    await h.close()
  })

  const deadlines = () =>
    h.ctx.db
      .selectFrom('case_deadlines')
      .select(['step', 'due_at', 'warn_at', 'done_at', 'warned_at', 'breached_at'])
      .orderBy('step')
      .execute()
  const notices = () =>
    h.ctx.db
      .selectFrom('notifications')
      .innerJoin('agents', 'agents.id', 'notifications.agent_id')
      .select(['agents.job_number', 'kind'])
      .orderBy('notifications.id')
      .execute()

  it('starts the record, dispatch and resolution clocks when a repair case opens', async () => {
    clock.set(MONDAY_10AM)
    h = await createHarness({ clock })
    await queuedCall(h, '1')
    const d = await deadlines()
    expect(d.map((x) => [x.step, x.due_at.toISOString()])).toEqual([
      ['dispatch', '2026-11-23T02:02:00.000Z'], // 2 minutes
      ['record', '2026-11-23T02:01:00.000Z'], // 1 minute
      ['resolution', '2026-12-02T02:00:00.000Z'], // in-home repair: 7 working days
    ])
  })

  it('stops the dispatch clock on answer and the record clock once place and content are in', async () => {
    clock.set(MONDAY_10AM)
    h = await createHarness({ clock, env: { RING_WAVE_SIZE: '1' } })
    await h.ctx.db
      .updateTable('agents')
      .set({ presence: 'away' })
      .where('job_number', '!=', '1001')
      .execute()
    await queuedCall(h, '1')
    await runDispatch(h.ctx)
    clock.advance(30_000)
    await answerAndPress(h, createdCalls(h)[0])
    const login = await request(h.app)
      .post('/api/auth/login')
      .send({ jobNumber: '1001', password: DEMO_PASSWORD })
    const ref = (await h.ctx.db.selectFrom('cases').select('reference').executeTakeFirstOrThrow())
      .reference
    await request(h.app)
      .patch(`/api/cases/${ref}`)
      .set({ Authorization: `Bearer ${login.body.token}` })
      .send({ place: 'Block 3, 502', content: 'Tap leaking' })
    const d = Object.fromEntries(
      (await deadlines()).map((x) => [x.step, x.done_at?.toISOString() ?? null]),
    )
    expect(d).toEqual({
      dispatch: '2026-11-23T02:00:30.000Z',
      record: '2026-11-23T02:00:30.000Z',
      resolution: null,
    })
  })

  it('warns the owner at 80 %, then tells the owner and the duty supervisor at the limit, once each', async () => {
    clock.set(MONDAY_10AM)
    h = await createHarness({ clock, env: { RING_WAVE_SIZE: '1' } })
    await h.ctx.db
      .updateTable('agents')
      .set({ presence: 'away' })
      .where('job_number', '!=', '1001')
      .execute()
    await queuedCall(h, '3') // an inquiry: answered within 30 minutes
    await runDispatch(h.ctx)
    await answerAndPress(h, createdCalls(h)[0])
    clock.advance(24 * 60_000) // 80 % of 30 min
    // The record step (1 min) was never done: warned and breached; the resolution is at 80 %.
    expect(await runDeadlineSweep(h.ctx)).toMatchObject({ warned: 2, breached: 1 })
    const n1 = await notices()
    expect(n1.filter((n) => n.kind === 'limit_warning').map((n) => n.job_number)).toEqual([
      '1001',
      '1001',
    ])
    clock.advance(6 * 60_000)
    const again = await runDeadlineSweep(h.ctx)
    expect(again).toMatchObject({ warned: 0, breached: 1 })
    const breaches = (await notices()).filter((n) => n.kind === 'limit_breached')
    expect(new Set(breaches.map((n) => n.job_number))).toEqual(new Set(['1001', '2001']))
    const types = (await h.ctx.db.selectFrom('case_events').select('type').execute()).map(
      (e) => e.type,
    )
    expect(types.filter((t) => t === 'limit_breached')).toHaveLength(2) // record, then resolution
  })

  it('puts a case still open after the end of its working day on the manager agenda', async () => {
    clock.set(new Date('2026-11-23T09:00:00Z')) // 17:00 Monday
    h = await createHarness({ clock })
    await queuedCall(h, '1')
    clock.set(new Date('2026-11-23T09:59:00Z')) // 17:59: still the working day
    expect((await runDeadlineSweep(h.ctx)).agenda).toBe(0)
    clock.set(new Date('2026-11-23T10:00:00Z')) // 18:00
    expect((await runDeadlineSweep(h.ctx)).agenda).toBe(1)
    expect((await runDeadlineSweep(h.ctx)).agenda).toBe(0)
    expect(
      (await notices()).filter((n) => n.kind === 'manager_agenda').map((n) => n.job_number),
    ).toEqual(['3001'])
  })

  it('tells the duty supervisor of an emergency the moment it is chosen', async () => {
    clock.set(MONDAY_10AM)
    h = await createHarness({ clock })
    await queuedCall(h, '0')
    expect(await notices()).toEqual([{ job_number: '2001', kind: 'emergency' }])
    const d = await deadlines()
    expect(d.find((x) => x.step === 'dispatch')?.due_at.toISOString()).toBe(
      '2026-11-23T02:01:30.000Z',
    ) // 90 s
  })
})

describe('notifications by SMS', () => {
  it('texts each notice once to agents with a phone number, from the case hotline', async () => {
    const clock = manualClock(MONDAY_10AM)
    const h = await createHarness({ clock })
    try {
      await h.ctx.db
        .updateTable('agents')
        .set({ phone_number: '+8613900002001' })
        .where('job_number', '=', '2001')
        .execute()
      await queuedCall(h, '0') // an emergency: the duty supervisor is notified
      expect(await sendNotificationSms(h.ctx)).toBe(1)
      expect(await sendNotificationSms(h.ctx)).toBe(0)
      const sms = h.edge.requests.filter((r) => r.operationId === 'CreateMessage')
      expect(sms.map((r) => [r.data['To'], r.data['From']])).toEqual([
        ['+8613900002001', '+8657112345'],
      ])
      h.edge.assertAllValid()
    } finally {
      await h.close()
    }
  })
})
