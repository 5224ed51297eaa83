import request from 'supertest'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

import { runDeadlineSweep } from '../../src/deadlines/escalation.ts'
import { escalateUnansweredQuestions } from '../../src/escalations/unanswered.ts'
import type { Harness } from '../helpers/harness.ts'
import { createHarness, manualClock } from '../helpers/harness.ts'
import type { LiveCall } from '../helpers/live-call.ts'
import { liveCall, login } from '../helpers/live-call.ts'

const MONDAY_10AM = new Date('2026-11-23T02:00:00Z')
const QUESTION = 'Caller wants a refund of the access card fee; may we waive it?'

describe('ask the supervisor (issue 10 point 5)', () => {
  let h: Harness
  let call: LiveCall
  const clock = manualClock(MONDAY_10AM)
  beforeEach(async () => {
    clock.set(MONDAY_10AM)
    h = await createHarness({ clock })
    call = await liveCall(h)
  })
  afterEach(async () => {
    await h.close()
  })
  const api = () => request(h.app)
  const ask = (auth: { Authorization: string }, body: object) =>
    api().post(`/api/cases/${call.reference}/escalations`).set(auth).send(body)
  const caseId = async () =>
    (
      await h.ctx.db
        .selectFrom('cases')
        .select('id')
        .where('reference', '=', call.reference)
        .executeTakeFirstOrThrow()
    ).id
  const notified = (kind: string) =>
    h.ctx.db
      .selectFrom('notifications as n')
      .innerJoin('agents as a', 'a.id', 'n.agent_id')
      .select(['a.job_number', 'n.body'])
      .where('n.kind', '=', kind)
      .orderBy('a.job_number')
      .execute()
  const clocks = async () =>
    h.ctx.db
      .selectFrom('case_deadlines')
      .select(['started_at', 'due_at', 'done_at'])
      .where('case_id', '=', await caseId())
      .where('step', '=', 'supervisor_answer')
      .execute()
  const timeline = async () =>
    (
      await h.ctx.db
        .selectFrom('case_events')
        .select(['type', 'data'])
        .where('case_id', '=', await caseId())
        .where('type', 'like', 'escalation_%')
        .orderBy('id')
        .execute()
    ).map((e) => e.type)

  it('tells the duty supervisor at once, starts a 5-minute clock, and the answer reaches the owner', async () => {
    const asked = await ask(call.auth, { question: QUESTION })
    expect(asked.status, JSON.stringify(asked.body)).toBe(201)
    expect(asked.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/) as string,
      dueAt: '2026-11-23T02:05:00.000Z',
      supervisor: '2001',
    })
    const id = String(asked.body.id)
    expect(await notified('escalation_asked')).toEqual([
      { job_number: '2001', body: expect.stringContaining(QUESTION) as string },
    ])
    expect(await clocks()).toEqual([
      { started_at: MONDAY_10AM, due_at: new Date('2026-11-23T02:05:00Z'), done_at: null },
    ])

    const sup = await login(h, '2001')
    const board = await api().get('/api/board').set(sup)
    expect(board.body.supervisorQuestions).toEqual([
      expect.objectContaining({
        id,
        reference: call.reference,
        question: QUESTION,
        askedBy: '1001',
      }),
    ])

    // Only a supervisor or manager answers; bad input changes nothing.
    const text = 'Yes, waive it once; note it on the case.'
    expect(
      (await api().post(`/api/escalations/${id}/answer`).set(call.auth).send({ answer: text }))
        .status,
    ).toBe(403)
    expect((await api().post(`/api/escalations/${id}/answer`).set(sup).send({})).status).toBe(400)
    expect(
      (await api().post(`/api/escalations/not-an-id/answer`).set(sup).send({ answer: text }))
        .status,
    ).toBe(400)
    expect(
      (
        await api()
          .post(`/api/escalations/${crypto.randomUUID()}/answer`)
          .set(sup)
          .send({ answer: text })
      ).status,
    ).toBe(404)
    expect(await timeline()).toEqual(['escalation_asked'])

    clock.advance(3 * 60_000)
    const answered = await api()
      .post(`/api/escalations/${id}/answer`)
      .set(sup)
      .send({ answer: text })
    expect(answered.status, JSON.stringify(answered.body)).toBe(200)
    expect(answered.body.escalation).toMatchObject({ answer: text, answeredBy: '2001' })
    expect(
      (await api().post(`/api/escalations/${id}/answer`).set(sup).send({ answer: 'again' })).status,
    ).toBe(409)

    expect(await notified('escalation_answered')).toEqual([
      { job_number: '1001', body: expect.stringContaining(text) as string },
    ])
    expect(await clocks()).toEqual([
      {
        started_at: MONDAY_10AM,
        due_at: new Date('2026-11-23T02:05:00Z'),
        done_at: new Date('2026-11-23T02:03:00Z'),
      },
    ])
    const mine = await api().get(`/api/cases/${call.reference}/escalations`).set(call.auth)
    expect(mine.body.escalations).toEqual([
      expect.objectContaining({ id, question: QUESTION, answer: text, answeredBy: '2001' }),
    ])
    expect(await timeline()).toEqual(['escalation_asked', 'escalation_answered'])
    expect((await api().get('/api/board').set(sup)).body.supervisorQuestions).toEqual([])
    // A second question on the same case is a question of its own, with its own due time.
    const again = await ask(call.auth, { question: 'And the second card, too?' })
    expect(again.status).toBe(201)
    expect(again.body.dueAt).toBe('2026-11-23T02:08:00.000Z')
    expect((await api().get('/api/board').set(sup)).body.supervisorQuestions).toEqual([
      expect.objectContaining({ id: again.body.id, question: 'And the second card, too?' }),
    ])
    await api()
      .post(`/api/escalations/${String(again.body.id)}/answer`)
      .set(sup)
      .send({ answer: 'Yes.' })

    // Answered in time: nothing reaches the manager, and the clock is not breached.
    clock.advance(10 * 60_000)
    expect(await escalateUnansweredQuestions(h.ctx)).toBe(0)
    await runDeadlineSweep(h.ctx)
    const row = await h.ctx.db
      .selectFrom('case_deadlines')
      .select('breached_at')
      .where('case_id', '=', await caseId())
      .where('step', '=', 'supervisor_answer')
      .executeTakeFirstOrThrow()
    expect(row.breached_at).toBeNull()
    expect(await notified('escalation_unanswered')).toEqual([])
  })

  it('reaches the manager when no supervisor answers within 5 minutes, once', async () => {
    const asked = await ask(call.auth, { question: QUESTION })
    expect(asked.status).toBe(201)
    clock.advance(4 * 60_000 + 59_000)
    expect(await escalateUnansweredQuestions(h.ctx)).toBe(0)
    clock.advance(1000)
    expect(await escalateUnansweredQuestions(h.ctx)).toBe(1)
    expect(await escalateUnansweredQuestions(h.ctx)).toBe(0)
    expect(await notified('escalation_unanswered')).toEqual([
      { job_number: '3001', body: expect.stringContaining(QUESTION) as string },
    ])
    // The clock's own breach tells the owner and the duty supervisor, as for any step.
    await runDeadlineSweep(h.ctx)
    const breached = (await notified('limit_breached')).filter((n) =>
      n.body.includes('supervisor_answer'),
    )
    expect(breached.map((n) => n.job_number)).toEqual(['1001', '2001'])
    expect(await timeline()).toEqual(['escalation_asked', 'escalation_unanswered'])
    // Still on the board until someone answers.
    const sup = await login(h, '2001')
    expect((await api().get('/api/board').set(sup)).body.supervisorQuestions).toHaveLength(1)
  })

  it('refuses an empty question and a stranger, changing nothing (ended cases: ended-case-work.test.ts)', async () => {
    expect((await ask(call.auth, {})).status).toBe(400)
    expect((await ask(call.auth, { question: 'x' })).status).toBe(400)
    expect((await ask(call.auth, { question: QUESTION, extra: 1 })).status).toBe(400)
    expect((await ask(await login(h, '1002'), { question: QUESTION })).status).toBe(403)
    expect(await h.ctx.db.selectFrom('escalations').selectAll().execute()).toEqual([])
    expect(await clocks()).toEqual([])
    expect(await timeline()).toEqual([])
    expect(await notified('escalation_asked')).toEqual([])
  })
})
