import request from 'supertest'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

import { runDeadlineSweep } from '../../src/deadlines/escalation.ts'
import { legSidOf } from '../helpers/call-steps.ts'
import type { Harness } from '../helpers/harness.ts'
import { createHarness, manualClock, pathOf } from '../helpers/harness.ts'
import type { LiveCall } from '../helpers/live-call.ts'
import { liveCall, login, requestsSince, statusOf } from '../helpers/live-call.ts'
import { find, parseTwiml } from '../helpers/twiml.ts'

// Monday 10:00 in Shanghai: every demo department is open.
const MONDAY_10AM = new Date('2026-11-23T02:00:00Z')

describe('each department answers on its own clock', () => {
  let h: Harness
  let call: LiveCall
  const clock = manualClock(MONDAY_10AM)
  beforeEach(async () => {
    clock.set(MONDAY_10AM)
    h = await createHarness({ clock })
    call = await liveCall(h)
    // 1002 works in engineering and signs in to the console; 1003 in property services.
    for (const [job, dept] of [
      ['1002', 'engineering'],
      ['1003', 'property-services'],
    ] as const) {
      await h.ctx.db
        .updateTable('agents')
        .set((eb) => ({
          department_id: eb.selectFrom('departments').select('id').where('code', '=', dept),
        }))
        .where('job_number', '=', job)
        .execute()
    }
  })
  afterEach(async () => {
    h.edge.assertAllValid()
    await h.close()
  })

  const api = () => request(h.app)
  const answer = (body: object, auth = call.auth) =>
    api().post(`/api/cases/${call.reference}/department-answers`).set(auth).send(body)
  const departmentClocks = () =>
    h.ctx.db
      .selectFrom('case_deadlines as d')
      .innerJoin('departments as g', 'g.id', 'd.department_id')
      .select(['g.code', 'd.due_at', 'd.ended_at', 'd.outcome'])
      .where('d.step', '=', 'department_answer')
      .orderBy('d.id')
      .execute()
  const answersCount = async () =>
    (await h.ctx.db.selectFrom('department_answers').select('id').execute()).length
  const noticesOf = (kind: string, about = '') =>
    h.ctx.db
      .selectFrom('notifications as n')
      .innerJoin('agents as a', 'a.id', 'n.agent_id')
      .select('a.job_number')
      .where('n.kind', '=', kind)
      .where('n.body', 'like', `%${about}%`)
      .orderBy('a.job_number')
      .execute()
      .then((rows) => rows.map((r) => r.job_number))

  /** A warm transfer to engineering, accepted by its first person; returns the caller's SMS. */
  async function warmTransferAccepted(): Promise<string> {
    const from = h.edge.requests.length
    const r = await api()
      .post(`/api/cases/${call.reference}/transfers`)
      .set(call.auth)
      .send({ department: 'engineering' })
    expect(r.status, JSON.stringify(r.body)).toBe(201)
    const leg = requestsSince(h, from, 'CreateCall')[0]
    await statusOf(h, leg, 'ringing', 1)
    const briefing = parseTwiml(
      (await h.twilioPost(pathOf(String(leg?.data['Url'])), { CallSid: legSidOf(leg) })).text,
    )
    const action = pathOf(find(briefing, 'Gather')?.attrs['action'] ?? '')
    await h.twilioPost(action, { CallSid: legSidOf(leg), Digits: '1' })
    return String(requestsSince(h, from, 'CreateMessage')[0]?.data['Body'])
  }

  it('meets the department’s own clock with its answer; a second department keeps its own due time', async () => {
    const sms = await warmTransferAccepted()
    // One working day: Tuesday 10:00, named to the caller with the department's contact.
    expect(sms).toContain('11月24日 10:00前答复您')
    expect(sms).toContain('answer you by 24 Nov 10:00')

    clock.set(new Date('2026-11-23T04:00:00Z')) // 12:00: property services must call back
    const cb = await api()
      .post(`/api/cases/${call.reference}/department-callback`)
      .set(call.auth)
      .send({ department: 'property-services' })
    expect(cb.status, JSON.stringify(cb.body)).toBe(201)
    expect(cb.body.answerBy).toBe('2026-11-24T04:00:00.000Z')

    clock.set(new Date('2026-11-23T07:00:00Z')) // 15:00: engineering answers
    const engineer = await login(h, '1002')
    const r = await answer(
      {
        department: 'engineering',
        handler: 'Wu Gang',
        answer: 'plumber booked 14:00 tomorrow',
        promisedBy: '2026-11-24T06:00:00Z',
      },
      engineer,
    )
    expect(r.status, JSON.stringify(r.body)).toBe(201)
    expect(r.body).toMatchObject({
      department: 'engineering',
      handler: 'Wu Gang',
      promisedBy: '2026-11-24T06:00:00.000Z',
      recordedBy: '1002',
    })
    expect(await departmentClocks()).toEqual([
      {
        code: 'engineering',
        due_at: new Date('2026-11-24T02:00:00Z'),
        ended_at: new Date('2026-11-23T07:00:00Z'),
        outcome: 'met',
      },
      {
        code: 'property-services',
        due_at: new Date('2026-11-24T04:00:00Z'),
        ended_at: null,
        outcome: 'open',
      },
    ])
    expect(await noticesOf('department_answered')).toEqual(['1001'])

    const view = await api().get(`/api/cases/${call.reference}`).set(call.auth)
    expect(view.body.departmentAnswers).toEqual([
      {
        id: r.body.id,
        department: 'engineering',
        handler: 'Wu Gang',
        answer: 'plumber booked 14:00 tomorrow',
        promisedBy: '2026-11-24T06:00:00.000Z',
        recordedBy: '1002',
        recordedAt: '2026-11-23T07:00:00.000Z',
      },
    ])
    const events = view.body.events as { type: string }[]
    expect(events.map((e) => e.type)).toContain('department_answered')

    // Work reported done meets the department still owing its answer.
    clock.set(new Date('2026-11-23T08:00:00Z'))
    const done = await api()
      .post(`/api/cases/${call.reference}/work-done`)
      .set(call.auth)
      .send({ summary: 'Plumber fixed the riser' })
    expect(done.status, JSON.stringify(done.body)).toBe(202)
    expect((await departmentClocks()).map((c) => c.outcome)).toEqual(['met', 'met'])
  })

  it('escalates a department that does not answer in time to its people and the duty supervisor', async () => {
    await warmTransferAccepted()
    clock.set(new Date('2026-11-24T02:00:01Z')) // Tuesday 10:00:01: engineering is late
    await runDeadlineSweep(h.ctx)
    // The owner, the duty supervisor and engineering's own person; not property services.
    expect(await noticesOf('limit_breached', 'department_answer')).toEqual(['1001', '1002', '2001'])
    // A day later the owner's session has expired: they sign in again to record it.
    const late = await answer(
      { department: 'engineering', handler: 'Wu Gang', answer: 'sorry, booked now' },
      await login(h, '1001'),
    )
    expect(late.status).toBe(201)
    expect((await departmentClocks()).map((c) => c.outcome)).toEqual(['missed'])
  })

  it('refuses bad input, strangers and unassigned departments, changing nothing', async () => {
    await warmTransferAccepted()
    const good = { department: 'engineering', handler: 'Wu Gang', answer: 'booked' }
    const bad = [
      [{ ...good, handler: ' ' }, 400],
      [{ ...good, promisedBy: 'tomorrow' }, 400],
      [{ ...good, extra: 1 }, 400],
      [{ ...good, department: 'no-such-dept' }, 404],
      [{ ...good, department: 'property-services' }, 409], // never assigned this case
    ] as const
    for (const [body, status] of bad) {
      const r = await answer(body)
      expect(r.status, JSON.stringify(body)).toBe(status)
      expect(r.body.error.code).toBeDefined()
    }
    // 1003 is in property services, not engineering, and does not own the case.
    const stranger = await answer(good, await login(h, '1003'))
    expect(stranger.status).toBe(403)
    expect(String(stranger.body.error.message)).toContain('engineering')
    expect(await answersCount()).toBe(0)
    expect((await departmentClocks()).map((c) => c.outcome)).toEqual(['open'])
    // The supervisor may answer on the department's behalf.
    expect((await answer(good, await login(h, '2001'))).status).toBe(201)
  })
})
