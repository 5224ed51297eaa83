import request from 'supertest'
import { afterEach, describe, expect, it } from 'vitest'

import { dialCallback } from '../../src/callbacks/dialer.ts'
import { reconcileCallbacks } from '../../src/callbacks/reconciler.ts'
import { runDispatch } from '../../src/calls/dispatcher.ts'
import { DEMO_PASSWORD } from '../../src/db/demo-data.ts'
import { callbackJobId } from '../../src/queues/callbacks.queue.ts'
import { answerAndPress, createdCalls, legSidOf, queuedCall } from '../helpers/call-steps.ts'
import type { Harness } from '../helpers/harness.ts'
import { createHarness, manualClock, pathOf } from '../helpers/harness.ts'
import { allText, find, parseTwiml, verbs } from '../helpers/twiml.ts'

const MONDAY_10AM = new Date('2026-11-23T02:00:00Z')

/** Return calls where a person speaks first: they are rung, accept, and only then is the caller. */
describe('person-first return calls', () => {
  let h: Harness
  const clock = manualClock(MONDAY_10AM)
  afterEach(async () => {
    h.edge.assertAllValid()
    await h.close()
  })

  const callback = (purpose: 'unanswered_inbound' | 'promised_reply') =>
    h.ctx.db
      .selectFrom('callbacks')
      .selectAll()
      .where('purpose', '=', purpose)
      .executeTakeFirstOrThrow()

  async function personAnswers(create: (typeof h.edge.requests)[number] | undefined) {
    return parseTwiml(
      (await h.twilioPost(pathOf(String(create?.data['Url'])), { CallSid: legSidOf(create) })).text,
    )
  }

  it('rings the duty supervisor about an abandoned call, then puts the caller through', async () => {
    clock.set(MONDAY_10AM)
    h = await createHarness({ clock })
    const sid = await queuedCall(h, '1', '+8613600006666')
    await h.twilioPost('/voice/status', {
      CallSid: sid,
      CallStatus: 'completed',
      CallDuration: '20',
    })
    // The hang-up leaves the return call owed and on the schedule at once, due now; the
    // reconciler's pass finds the same job (its id comes from the row) and adds none.
    const cb = await callback('unanswered_inbound')
    const jobId = callbackJobId({ callbackId: cb.id, attempt: 1, dueAt: cb.due_at })
    expect(await h.ctx.callbacksQueue.getJobCounts('delayed', 'waiting')).toEqual({
      delayed: 0,
      waiting: 1,
    })
    expect((await h.ctx.callbacksQueue.getJob(jobId))?.data).toEqual({
      callbackId: cb.id,
      attempt: 1,
    })
    expect((await reconcileCallbacks(h.ctx)).scheduled).toBe(1)
    expect(await h.ctx.callbacksQueue.getJobCounts('delayed', 'waiting')).toEqual({
      delayed: 0,
      waiting: 1,
    })
    h.edge.requests.length = 0
    expect(await dialCallback(h.ctx, { callbackId: cb.id, attempt: 1 })).toBe('dialled')
    const ring = createdCalls(h)[0]
    expect(ring?.data).toMatchObject({ To: 'client:agent-2001', From: '+8657112345' })
    expect(ring?.data['MachineDetection']).toBeUndefined()

    const whisper = await personAnswers(ring)
    expect(allText(whisper)).toContain('来电人之前未能接通')
    const dial = parseTwiml(
      (
        await h.twilioPost(pathOf(find(whisper, 'Gather')?.attrs['action'] ?? ''), {
          CallSid: legSidOf(ring),
          Digits: '1',
        })
      ).text,
    )
    expect(verbs(dial)).toEqual(['Say', 'Dial', 'Dial>Number'])
    expect(find(dial, 'Number')?.text).toBe('+8613600006666')
    expect(find(dial, 'Dial')?.attrs['callerId']).toBe('+8657112345')

    await h.twilioPost(pathOf(find(dial, 'Dial')?.attrs['action'] ?? ''), {
      CallSid: legSidOf(ring),
      DialCallStatus: 'completed',
    })
    expect(await callback('unanswered_inbound')).toMatchObject({
      status: 'done',
      outcome: 'bridged',
    })
    const kase = await h.ctx.db
      .selectFrom('cases')
      .select('needs_return_call')
      .executeTakeFirstOrThrow()
    expect(kase.needs_return_call).toBe(false)
  })

  it('rings the owner before a promised reply falls due, and retries when they say later', async () => {
    clock.set(MONDAY_10AM)
    h = await createHarness({ clock, env: { RING_WAVE_SIZE: '1' } })
    await h.ctx.db
      .updateTable('agents')
      .set({ presence: 'away' })
      .where('job_number', '!=', '1001')
      .execute()
    await queuedCall(h, '3')
    await runDispatch(h.ctx)
    await answerAndPress(h, createdCalls(h)[0])
    const ref = (await h.ctx.db.selectFrom('cases').select('reference').executeTakeFirstOrThrow())
      .reference
    const login = await request(h.app)
      .post('/api/auth/login')
      .send({ jobNumber: '1001', password: DEMO_PASSWORD })
    const auth = { Authorization: `Bearer ${login.body.token as string}` }
    const past = await request(h.app)
      .post(`/api/cases/${ref}/promise`)
      .set(auth)
      .send({ replyBy: '2026-11-23T01:00:00Z' })
    expect(past.status).toBe(400)
    const r = await request(h.app)
      .post(`/api/cases/${ref}/promise`)
      .set(auth)
      .send({ replyBy: '2026-11-23T06:00:00Z' }) // 14:00
    expect(r.status).toBe(201)
    expect(r.body.ownerRungAt).toBe('2026-11-23T05:55:00.000Z')

    const cb = await callback('promised_reply')
    clock.set(cb.due_at)
    h.edge.requests.length = 0
    expect(await dialCallback(h.ctx, { callbackId: cb.id, attempt: 1 })).toBe('dialled')
    const ring = createdCalls(h)[0]
    expect(ring?.data['To']).toBe('client:agent-1001')
    const whisper = await personAnswers(ring)
    expect(allText(whisper)).toContain('承诺答复')
    const later = parseTwiml(
      (
        await h.twilioPost(pathOf(find(whisper, 'Gather')?.attrs['action'] ?? ''), {
          CallSid: legSidOf(ring),
          Digits: '2',
        })
      ).text,
    )
    expect(verbs(later)).toEqual(['Say', 'Hangup'])
    const next = await callback('promised_reply')
    // Tried again after the minimum gap; the promise itself is recorded on the case.
    expect(next).toMatchObject({ status: 'pending', attempt: 1 })
    expect(next.due_at.toISOString()).toBe('2026-11-23T06:05:00.000Z')
  })
})
