import { afterEach, beforeEach, describe, expect, it } from 'vitest'

import { runDispatch } from '../../src/calls/dispatcher.ts'
import { queuedCall as queueCall } from '../helpers/call-steps.ts'
import type { Harness } from '../helpers/harness.ts'
import { callSid, createHarness, manualClock, pathOf } from '../helpers/harness.ts'
import { find, parseTwiml } from '../helpers/twiml.ts'

describe('status callbacks: retried, reordered, late', () => {
  let h: Harness
  const clock = manualClock()
  beforeEach(async () => {
    h = await createHarness({ clock })
  })
  afterEach(async () => {
    h.edge.assertAllValid()
    await h.close()
  })

  const queuedCall = () => queueCall(h, '1', '+8613700000001')

  const row = (sid: string) =>
    h.ctx.db.selectFrom('calls').selectAll().where('call_sid', '=', sid).executeTakeFirstOrThrow()

  it('applies an agent leg status once, and never moves it backwards', async () => {
    await queuedCall()
    await runDispatch(h.ctx)
    const offer = h.edge.requests.find((r) => r.operationId === 'CreateCall')
    const statusPath = pathOf(String(offer?.data['StatusCallback']))
    const leg = String((offer?.answer as { body: { sid: string } }).body.sid)
    const post = (status: string, seq: number) =>
      h.twilioPost(statusPath, { CallSid: leg, CallStatus: status, SequenceNumber: String(seq) })

    expect((await post('initiated', 0)).status).toBe(200)
    expect((await post('no-answer', 2)).status).toBe(200)
    // The ringing callback arrives late, after no-answer; then Twilio retries no-answer.
    expect((await post('ringing', 1)).status).toBe(200)
    expect((await post('no-answer', 2)).status).toBe(200)

    const r = await row(leg)
    expect(r).toMatchObject({ status: 'no-answer', last_sequence: 2 })
    const offers = await h.ctx.db
      .selectFrom('agent_offers')
      .select(['status', 'leg_call_sid'])
      .where('leg_call_sid', '=', leg)
      .execute()
    expect(offers).toEqual([{ status: 'no_answer', leg_call_sid: leg }])
    const receipts = await h.ctx.db
      .selectFrom('status_receipts')
      .selectAll()
      .where('resource_sid', '=', leg)
      .execute()
    expect(receipts).toHaveLength(3) // initiated, no-answer, ringing: the retry added nothing
  })

  it("records an agent's leg from its ringing callback when Twilio's answer to the dial was lost", async () => {
    await queuedCall()
    h.edge.failNext(1, 'timeout')
    await runDispatch(h.ctx)
    const dial = h.edge.requests.find((r) => r.operationId === 'CreateCall')
    // No "initiated": the ringing callback carries the leg too, one webhook fewer per ring.
    expect(dial?.data['StatusCallbackEvent']).toEqual(['ringing', 'answered', 'completed'])
    const statusPath = pathOf(String(dial?.data['StatusCallback']))
    const offerId = new URL(statusPath, 'http://x').searchParams.get('offer') ?? ''
    const offer = () =>
      h.ctx.db
        .selectFrom('agent_offers')
        .select(['status', 'leg_call_sid'])
        .where('id', '=', offerId)
        .executeTakeFirstOrThrow()
    expect(await offer()).toEqual({ status: 'dialing', leg_call_sid: null })

    const leg = callSid()
    const post = (status: string, seq: number) =>
      h.twilioPost(statusPath, { CallSid: leg, CallStatus: status, SequenceNumber: String(seq) })
    expect((await post('ringing', 1)).status).toBe(200)
    expect(await offer()).toEqual({ status: 'ringing', leg_call_sid: leg })
    expect((await post('no-answer', 2)).status).toBe(200)
    expect(await offer()).toEqual({ status: 'no_answer', leg_call_sid: leg })
  })

  it('hangs up an agent leg whose offer was released while Twilio was dialling it', async () => {
    await queuedCall()
    h.edge.respondWith(async (r) => {
      // The caller hangs up while the dial request is on its way: the offers end.
      if (r.operationId === 'CreateCall')
        await h.ctx.db.updateTable('agent_offers').set({ status: 'cancelled' }).execute()
      return undefined
    })
    await runDispatch(h.ctx)
    h.edge.respondWith(undefined)
    const created = h.edge.requests.filter((r) => r.operationId === 'CreateCall')
    const hungUp = h.edge.requests.filter((r) => r.operationId === 'UpdateCall')
    expect(created.length).toBeGreaterThan(0)
    expect(hungUp.map((r) => [r.pathParams['Sid'], r.data['Status']]).sort()).toEqual(
      created.map((r) => [(r.answer as { body: { sid: string } }).body.sid, 'canceled']).sort(),
    )
  })

  it('records an abandoned call once: the case gets the duty supervisor and one return call', async () => {
    const sid = await queuedCall()
    await runDispatch(h.ctx)
    const completed = { CallSid: sid, CallStatus: 'completed', CallDuration: '42' }
    await h.twilioPost('/voice/status', completed)
    await h.twilioPost('/voice/status', completed)
    await h.twilioPost('/voice/status', {
      CallSid: sid,
      CallStatus: 'in-progress',
      SequenceNumber: '0',
    })

    const r = await row(sid)
    expect(r).toMatchObject({ queue_state: 'abandoned', status: 'completed', duration_seconds: 42 })
    const kase = await h.ctx.db
      .selectFrom('cases')
      .innerJoin('agents', 'agents.id', 'cases.first_owner_id')
      .select(['agents.job_number', 'cases.needs_return_call', 'cases.id'])
      .executeTakeFirstOrThrow()
    expect(kase).toMatchObject({ job_number: '2001', needs_return_call: true })
    const callbacks = await h.ctx.db.selectFrom('callbacks').selectAll().execute()
    expect(callbacks).toHaveLength(1)
    expect(callbacks[0]).toMatchObject({ purpose: 'unanswered_inbound', status: 'pending' })
    const events = await h.ctx.db
      .selectFrom('case_events')
      .select('type')
      .where('case_id', '=', kase.id)
      .orderBy('id')
      .execute()
    expect(events.map((e) => e.type)).toEqual([
      'case_opened',
      'call_queued',
      'call_abandoned',
      'first_owner_assigned',
      'return_call_needed',
    ])

    // The ringing agents are released on the next pass.
    h.edge.requests.length = 0
    await runDispatch(h.ctx)
    expect(
      h.edge.requests.filter(
        (q) => q.operationId === 'UpdateCall' && q.data['Status'] === 'canceled',
      ).length,
    ).toBeGreaterThan(0)
  })

  it('ignores a status callback for a call it never saw, without error', async () => {
    const res = await h.twilioPost('/voice/status', { CallSid: callSid(), CallStatus: 'completed' })
    expect(res.status).toBe(200)
    expect(await h.ctx.db.selectFrom('calls').selectAll().execute()).toHaveLength(0)
  })

  it('rings the next wave when the first rings out, and offers voicemail past the longest wait', async () => {
    await h.ctx.db
      .insertInto('agents')
      .values({
        job_number: '1004',
        name: 'Extra',
        client_identity: 'agent-1004',
        phone_number: null,
        department_id: null,
        role: 'agent',
        presence: 'available',
        password_hash: null,
        last_offer_at: null,
      })
      .execute()
    const sid = await queuedCall()
    await runDispatch(h.ctx)
    const wave1 = h.edge.requests.filter((r) => r.operationId === 'CreateCall')
    expect(wave1).toHaveLength(3)
    for (const o of wave1) {
      await h.twilioPost(pathOf(String(o.data['StatusCallback'])), {
        CallSid: callSid(),
        CallStatus: 'no-answer',
        SequenceNumber: '3',
      })
    }
    h.edge.requests.length = 0
    await runDispatch(h.ctx)
    const wave2 = h.edge.requests.filter((r) => r.operationId === 'CreateCall')
    expect(wave2.map((r) => r.data['To'])).toEqual(['client:agent-1004'])

    clock.advance(h.config.voice.queueMaxWaitSeconds * 1000)
    h.edge.requests.length = 0
    const pass = await runDispatch(h.ctx)
    expect(pass.toVoicemail).toBe(1)
    const redirect = h.edge.requests.find(
      (r) => r.operationId === 'UpdateCall' && r.pathParams['Sid'] === sid,
    )
    expect(redirect?.data['Url']).toContain('/voice/voicemail')
    expect((await row(sid)).queue_state).toBe('voicemail')

    const vm = parseTwiml(
      (await h.twilioPost(pathOf(String(redirect?.data['Url'])), { CallSid: sid })).text,
    )
    const record = find(vm, 'Record')
    expect(record?.attrs['maxLength']).toBe('120')
    const recording = {
      CallSid: sid,
      RecordingSid: `RE${'a'.repeat(32)}`,
      RecordingUrl: 'https://api.twilio.com/rec/RE1',
      RecordingDuration: '9',
      RecordingStatus: 'completed',
    }
    await h.twilioPost(pathOf(record?.attrs['recordingStatusCallback'] ?? ''), recording)
    await h.twilioPost(pathOf(record?.attrs['recordingStatusCallback'] ?? ''), recording)
    expect(await h.ctx.db.selectFrom('voicemails').selectAll().execute()).toHaveLength(1)
    const done = parseTwiml(
      (
        await h.twilioPost(pathOf(record?.attrs['action'] ?? ''), {
          CallSid: sid,
          RecordingSid: recording.RecordingSid,
        })
      ).text,
    )
    expect(find(done, 'Hangup')).toBeDefined()
  })
})

describe('a voicemail redirect that never reached Twilio', () => {
  it('is made again on a later pass, until the caller reaches the prompt', async () => {
    const clock = manualClock()
    const h = await createHarness({ clock })
    try {
      const sid = await queueCall(h, '1', '+8613700000009')
      await runDispatch(h.ctx)
      // Twilio answers 500 to the redirect (or the process died before sending it).
      h.edge.respondWith((r) =>
        r.operationId === 'UpdateCall' && r.pathParams['Sid'] === sid
          ? {
              statusCode: 500,
              body: { code: 20500, message: 'Internal Server Error', status: 500 },
            }
          : undefined,
      )
      clock.advance(h.config.voice.queueMaxWaitSeconds * 1000)
      await runDispatch(h.ctx)
      const redirects = () =>
        h.edge.requests.filter(
          (r) =>
            r.operationId === 'UpdateCall' &&
            r.pathParams['Sid'] === sid &&
            typeof r.data['Url'] === 'string',
        )
      expect(redirects()).toHaveLength(1)

      h.edge.respondWith(undefined)
      clock.advance(5_000)
      await runDispatch(h.ctx)
      expect(redirects()).toHaveLength(1) // too soon to call it lost
      clock.advance(20_000)
      await runDispatch(h.ctx)
      expect(redirects()).toHaveLength(2)

      await h.twilioPost(pathOf(String(redirects()[1]?.data['Url'])), { CallSid: sid })
      clock.advance(60_000)
      await runDispatch(h.ctx)
      expect(redirects()).toHaveLength(2) // reached the prompt: no more redirects
    } finally {
      await h.close()
    }
  })

  it('stops redirecting a caller Twilio says has hung up (the final callback was lost)', async () => {
    const clock = manualClock()
    const h = await createHarness({ clock })
    try {
      const sid = await queueCall(h, '1', '+8613700000010')
      h.edge.respondWith((r) =>
        r.operationId === 'UpdateCall' && r.pathParams['Sid'] === sid
          ? {
              statusCode: 400,
              body: {
                code: 21220,
                message: 'Call is not in-progress. Cannot redirect.',
                status: 400,
              },
            }
          : undefined,
      )
      clock.advance(h.config.voice.queueMaxWaitSeconds * 1000)
      await runDispatch(h.ctx)
      const row = await h.ctx.db
        .selectFrom('calls')
        .select(['status', 'queue_state'])
        .where('call_sid', '=', sid)
        .executeTakeFirstOrThrow()
      expect(row).toEqual({ status: 'completed', queue_state: 'voicemail' })
      expect(await h.ctx.db.selectFrom('callbacks').select('purpose').execute()).toEqual([
        { purpose: 'unanswered_inbound' },
      ])
      clock.advance(60_000)
      const before = h.edge.requests.length
      await runDispatch(h.ctx)
      expect(h.edge.requests.length).toBe(before)
    } finally {
      await h.close()
    }
  })
})
