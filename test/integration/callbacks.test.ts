import { afterEach, describe, expect, it } from 'vitest'

import { dialCallback } from '../../src/callbacks/dialer.ts'
import { reconcileCallbacks } from '../../src/callbacks/reconciler.ts'
import { callbackText } from '../../src/domain/callback-prompts.ts'
import { callbackJobId } from '../../src/queues/callbacks.queue.ts'
import { createdCalls, legSidOf } from '../helpers/call-steps.ts'
import { caseAwaitingConfirmation } from '../helpers/case-steps.ts'
import type { Harness } from '../helpers/harness.ts'
import { createHarness, manualClock, pathOf } from '../helpers/harness.ts'
import { allText, find, parseTwiml, verbs } from '../helpers/twiml.ts'

/** 2026-11-23 10:00 in Shanghai: a Monday morning, inside calling hours. */
const MONDAY_10AM = new Date('2026-11-23T02:00:00Z')

describe('the confirmation call (回访) until the caller closes the case', () => {
  let h: Harness
  const clock = manualClock(MONDAY_10AM)
  afterEach(async () => {
    h.edge.assertAllValid()
    await h.close()
  })

  const caseRow = (id: string) =>
    h.ctx.db.selectFrom('cases').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
  const callbackRow = (id: string) =>
    h.ctx.db.selectFrom('callbacks').selectAll().where('id', '=', id).executeTakeFirstOrThrow()

  /** Runs the due attempt and answers it as the caller's phone would. */
  async function ringAndAnswer(callbackId: string, attempt: number, answeredBy = 'human') {
    clock.set(
      new Date(Math.max(clock.now().getTime(), (await callbackRow(callbackId)).due_at.getTime())),
    )
    expect(await dialCallback(h.ctx, { callbackId, attempt })).toBe('dialled')
    const create = createdCalls(h).at(-1)
    const answer = parseTwiml(
      (
        await h.twilioPost(pathOf(String(create?.data['Url'])), {
          CallSid: legSidOf(create),
          AnsweredBy: answeredBy,
        })
      ).text,
    )
    return { create, answer }
  }

  async function press(answer: ReturnType<typeof parseTwiml>, callSid: string, digits: string) {
    return parseTwiml(
      (
        await h.twilioPost(pathOf(find(answer, 'Gather')?.attrs['action'] ?? ''), {
          CallSid: callSid,
          Digits: digits,
        })
      ).text,
    )
  }

  it('calls within 2 minutes of work done, and "1" closes the case, then takes a rating', async () => {
    clock.set(MONDAY_10AM)
    h = await createHarness({ clock })
    const c = await caseAwaitingConfirmation(h)
    expect(c.dueAt.getTime() - MONDAY_10AM.getTime()).toBe(120_000)
    expect((await caseRow(c.caseId)).status).toBe('awaiting_confirmation')
    expect(
      await h.ctx.callbacksQueue.getJob(
        callbackJobId({ callbackId: c.callbackId, attempt: 1, dueAt: c.dueAt }),
      ),
    ).toBeDefined()

    const { create, answer } = await ringAndAnswer(c.callbackId, 1)
    expect(create?.data).toMatchObject({
      To: '+8613800007777',
      From: '+8657112345',
      MachineDetection: 'Enable',
    })
    const script = allText(answer)
    expect(script).toContain(c.reference.split('').join(' '))
    expect(script).toContain('1 0 0 1 号客服')
    expect(script).toContain('Replaced the kitchen tap washer')

    const rate = await press(answer, legSidOf(create), '1')
    expect(verbs(rate)).toEqual(['Gather', 'Gather>Say', 'Say', 'Hangup'])
    const bye = parseTwiml(
      (
        await h.twilioPost(pathOf(find(rate, 'Gather')?.attrs['action'] ?? ''), {
          CallSid: legSidOf(create),
          Digits: '5',
        })
      ).text,
    )
    expect(verbs(bye)).toEqual(['Say', 'Hangup'])
    // Rated: now, and only now, the caller is thanked for the rating.
    expect(find(bye, 'Say')?.text).toBe(callbackText['zh-CN'].thanks)

    expect(await caseRow(c.caseId)).toMatchObject({
      status: 'closed',
      closed_by: 'caller',
      closed_via: 'call',
      satisfaction: 5,
      rework_count: 0,
    })
    expect(await callbackRow(c.callbackId)).toMatchObject({ status: 'done', outcome: 'confirmed' })
    const types = (
      await h.ctx.db
        .selectFrom('case_events')
        .select('type')
        .where('case_id', '=', c.caseId)
        .orderBy('id')
        .execute()
    ).map((e) => e.type)
    expect(types).toEqual([
      'case_opened',
      'call_queued',
      'first_owner_claimed',
      'work_done',
      'confirmation_scheduled',
      'callback_attempt',
      'case_closed_by_caller',
      'satisfaction_rated',
    ])
    // The leg's final status afterwards changes nothing.
    await h.twilioPost(pathOf(String(create?.data['StatusCallback'])), {
      CallSid: legSidOf(create),
      CallStatus: 'completed',
      SequenceNumber: '3',
      CallDuration: '40',
    })
    expect((await caseRow(c.caseId)).status).toBe('closed')
  })

  it('thanks for a rating only after one: a "1" without a rating hears a plain closing', async () => {
    clock.set(MONDAY_10AM)
    h = await createHarness({ clock })
    const c = await caseAwaitingConfirmation(h)
    const { create, answer } = await ringAndAnswer(c.callbackId, 1)
    const rate = await press(answer, legSidOf(create), '1')
    // The rating question, then what plays when no key comes (Twilio moves past the Gather).
    expect(verbs(rate)).toEqual(['Gather', 'Gather>Say', 'Say', 'Hangup'])
    expect(find(rate, 'Gather')?.children[0]?.text).toBe(callbackText['zh-CN'].rate)
    const fallThrough = rate.children[1]
    expect(fallThrough?.text).toBe(callbackText['zh-CN'].closing)
    expect(fallThrough?.text).not.toContain('评价') // "rating"
    // A key that is no rating (9): the same plain closing, and no rating is stored.
    const nine = parseTwiml(
      (
        await h.twilioPost(pathOf(find(rate, 'Gather')?.attrs['action'] ?? ''), {
          CallSid: legSidOf(create),
          Digits: '9',
        })
      ).text,
    )
    expect(verbs(nine)).toEqual(['Say', 'Hangup'])
    expect(find(nine, 'Say')?.text).toBe(callbackText['zh-CN'].closing)
    expect(await caseRow(c.caseId)).toMatchObject({ status: 'closed', satisfaction: null })
    const attempt = await h.ctx.db
      .selectFrom('callback_attempts')
      .select(['outcome', 'rating'])
      .where('callback_id', '=', c.callbackId)
      .executeTakeFirstOrThrow()
    // Counted in 满意率 as satisfied on the caller's word "solved" (rates-definitions test).
    expect(attempt).toEqual({ outcome: 'confirmed', rating: null })
    expect(callbackText['en-US'].closing).not.toMatch(/rating/i)
  })

  it('reopens the case as rework on "2" and tells the owner and the duty supervisor', async () => {
    clock.set(MONDAY_10AM)
    h = await createHarness({ clock })
    const c = await caseAwaitingConfirmation(h)
    const { create, answer } = await ringAndAnswer(c.callbackId, 1)
    const reply = await press(answer, legSidOf(create), '2')
    expect(verbs(reply)).toEqual(['Say', 'Hangup'])
    expect(await caseRow(c.caseId)).toMatchObject({
      status: 'in_progress',
      rework_count: 1,
      closed_at: null,
    })
    const notified = await h.ctx.db
      .selectFrom('notifications')
      .innerJoin('agents', 'agents.id', 'notifications.agent_id')
      .select(['agents.job_number', 'kind'])
      .orderBy('agents.job_number')
      .execute()
    expect(notified).toEqual([
      { job_number: '1001', kind: 'rework' },
      { job_number: '2001', kind: 'rework' },
    ])
  })

  it('retries an unanswered call with a growing gap, skipping the night', async () => {
    clock.set(new Date('2026-11-23T12:20:00Z')) // 20:20 in Shanghai
    h = await createHarness({ clock })
    const c = await caseAwaitingConfirmation(h)
    // Work done at 20:20: the call is due at 20:22, still inside calling hours.
    expect(c.dueAt.toISOString()).toBe('2026-11-23T12:22:00.000Z')
    clock.set(c.dueAt)
    expect(await dialCallback(h.ctx, { callbackId: c.callbackId, attempt: 1 })).toBe('dialled')
    const create = createdCalls(h).at(-1)
    await h.twilioPost(pathOf(String(create?.data['StatusCallback'])), {
      CallSid: legSidOf(create),
      CallStatus: 'no-answer',
      SequenceNumber: '2',
    })
    // 20:22 + 10 min = 20:32: past 20:30, so 08:30 the next morning.
    const cb = await callbackRow(c.callbackId)
    expect(cb).toMatchObject({ status: 'pending', attempt: 1 })
    expect(cb.due_at.toISOString()).toBe('2026-11-24T00:30:00.000Z')
    expect(
      await h.ctx.callbacksQueue.getJob(
        callbackJobId({ callbackId: c.callbackId, attempt: 2, dueAt: cb.due_at }),
      ),
    ).toBeDefined()
    // A job that fires early (a clock skew, a stale duplicate) dials nothing.
    expect(await dialCallback(h.ctx, { callbackId: c.callbackId, attempt: 2 })).toBe('skipped')
    expect(await dialCallback(h.ctx, { callbackId: c.callbackId, attempt: 1 })).toBe('skipped')
  })

  it('counts a machine as not reached, and after the last attempt sends an SMS and tells the supervisor', async () => {
    clock.set(MONDAY_10AM)
    h = await createHarness({ clock, env: { CALLBACK_MAX_ATTEMPTS: '2' } })
    const c = await caseAwaitingConfirmation(h)
    const first = await ringAndAnswer(c.callbackId, 1, 'machine_start')
    expect(verbs(first.answer)).toEqual(['Hangup'])
    const second = await ringAndAnswer(c.callbackId, 2)
    // The caller hears the script but presses nothing, twice.
    const again = await press(second.answer, legSidOf(second.create), '')
    expect(verbs(again)).toEqual(['Redirect'])
    const prompt2 = parseTwiml(
      (
        await h.twilioPost(pathOf(find(again, 'Redirect')?.text ?? ''), {
          CallSid: legSidOf(second.create),
        })
      ).text,
    )
    const gone = await press(prompt2, legSidOf(second.create), '')
    expect(verbs(gone)).toEqual(['Say', 'Hangup'])

    expect(await callbackRow(c.callbackId)).toMatchObject({ status: 'exhausted', attempt: 2 })
    expect((await caseRow(c.caseId)).status).toBe('awaiting_confirmation') // never closed without the caller
    const sms = h.edge.requests.filter((r) => r.operationId === 'CreateMessage')
    expect(sms).toHaveLength(1)
    expect(sms[0]?.data).toMatchObject({ To: '+8613800007777', From: '+8657112345' })
    expect(String(sms[0]?.data['Body'])).toContain(c.reference)
    const notes = await h.ctx.db
      .selectFrom('notifications')
      .innerJoin('agents', 'agents.id', 'notifications.agent_id')
      .select(['agents.job_number', 'kind'])
      .execute()
    expect(notes).toEqual([{ job_number: '2001', kind: 'callback_exhausted' }])
  })

  it('rebuilds every pending callback job from Postgres after Redis is flushed', async () => {
    clock.set(MONDAY_10AM)
    h = await createHarness({ clock })
    const cases = []
    for (let i = 0; i < 3; i++) cases.push(await caseAwaitingConfirmation(h, `+861380000100${i}`))
    await h.ctx.callbacksQueue.obliterate({ force: true })
    expect(await h.ctx.callbacksQueue.getJobCounts()).toMatchObject({ delayed: 0, waiting: 0 })
    const r = await reconcileCallbacks(h.ctx)
    expect(r.scheduled).toBe(3)
    for (const c of cases) {
      const job = await h.ctx.callbacksQueue.getJob(
        callbackJobId({ callbackId: c.callbackId, attempt: 1, dueAt: c.dueAt }),
      )
      expect(job?.data).toEqual({ callbackId: c.callbackId, attempt: 1 })
    }
    // Run again: nothing doubles.
    await reconcileCallbacks(h.ctx)
    expect((await h.ctx.callbacksQueue.getJobCounts()).delayed).toBe(3)
    clock.advance(3 * 60_000)
    for (const c of cases)
      expect(await dialCallback(h.ctx, { callbackId: c.callbackId, attempt: 1 })).toBe('dialled')
    expect(createdCalls(h)).toHaveLength(3)
  })

  it('retries with backoff when Twilio answers 500, and waits when it does not answer, never dialling twice', async () => {
    clock.set(MONDAY_10AM)
    h = await createHarness({ clock })
    const c = await caseAwaitingConfirmation(h)
    clock.set(c.dueAt)
    h.edge.failNext(1, {
      statusCode: 500,
      body: { code: 20500, message: 'Internal Server Error', status: 500 },
    })
    expect(await dialCallback(h.ctx, { callbackId: c.callbackId, attempt: 1 })).toBe('failed')
    let cb = await callbackRow(c.callbackId)
    expect(cb).toMatchObject({ status: 'pending', attempt: 1 })
    expect(cb.due_at.getTime() - c.dueAt.getTime()).toBe(10 * 60_000)

    clock.set(cb.due_at)
    h.edge.failNext(1, 'timeout')
    expect(await dialCallback(h.ctx, { callbackId: c.callbackId, attempt: 2 })).toBe('unknown')
    // The same job again (BullMQ retry) finds the attempt claimed: no second call.
    expect(await dialCallback(h.ctx, { callbackId: c.callbackId, attempt: 2 })).toBe('skipped')
    cb = await callbackRow(c.callbackId)
    expect(cb.status).toBe('dialing')
    // No status callback ever comes: the reconciler releases it after the stale period.
    clock.advance(3 * 60_000)
    expect((await reconcileCallbacks(h.ctx)).released).toBe(1)
    expect(await dialCallback(h.ctx, { callbackId: c.callbackId, attempt: 3 })).toBe('dialled')
    expect(
      createdCalls(h).filter(
        (r) => r.answer !== 'timeout' && (r.answer as { statusCode: number }).statusCode === 201,
      ),
    ).toHaveLength(1)
  })
})
