import request from 'supertest'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'

import { endStaleCalls } from '../../src/calls/stale-calls.ts'
import type { Harness } from '../helpers/harness.ts'
import { callSid, createHarness, PUBLIC_BASE_URL, ZH_HOTLINE } from '../helpers/harness.ts'
import type { LiveCall } from '../helpers/live-call.ts'
import { liveCall, login } from '../helpers/live-call.ts'
import { allText, find, parseTwiml, verbs } from '../helpers/twiml.ts'

const CALLER = '+8613900001234'
const ENV = {
  TWILIO_API_KEY_SID: `SK${'a'.repeat(32)}`,
  TWILIO_API_KEY_SECRET: 'softphone-test-secret-0123456789',
  TWILIO_TWIML_APP_SID: `AP${'b'.repeat(32)}`,
}

/** What the TwiML App posts for `device.connect({ params: { caseRef, to } })`. */
function outgoing(o: { sid?: string; from?: string; caseRef?: string; to?: string }) {
  return {
    AccountSid: `AC${'1'.repeat(32)}`,
    ApplicationSid: ENV.TWILIO_TWIML_APP_SID,
    CallSid: o.sid ?? callSid(),
    CallStatus: 'ringing',
    Direction: 'inbound',
    From: o.from ?? 'client:agent-1001',
    Caller: o.from ?? 'client:agent-1001',
    To: '',
    ...(o.caseRef !== undefined && { caseRef: o.caseRef }),
    ...(o.to !== undefined && { to: o.to }),
  }
}

describe('the TwiML App webhook: calls placed from the console softphone', () => {
  let h: Harness
  let live: LiveCall
  beforeAll(async () => {
    h = await createHarness({ env: ENV })
    live = await liveCall(h, { from: CALLER })
  })
  afterAll(async () => {
    await h.close()
  })
  afterEach(() => h.edge.assertAllValid())

  const softphoneCalls = () =>
    h.ctx.db.selectFrom('calls').selectAll().where('kind', '=', 'softphone').execute()
  const events = (type: string) =>
    h.ctx.db.selectFrom('case_events').selectAll().where('type', '=', type).execute()
  const counts = async () => ({
    calls: (await softphoneCalls()).length,
    placed: (await events('softphone_call_placed')).length,
  })

  it('refuses an unsigned request (403) and records nothing', async () => {
    const res = await h.twilioPost(
      '/voice/softphone/outgoing',
      outgoing({ caseRef: live.reference, to: CALLER }),
      { signature: null },
    )
    expect(res.status).toBe(403)
    expect(await counts()).toEqual({ calls: 0, placed: 0 })
  })

  it('refuses a number that is not on the case, in valid TwiML, and records nothing', async () => {
    const res = await h.twilioPost(
      '/voice/softphone/outgoing',
      outgoing({ caseRef: live.reference, to: '+8613911119999' }),
    )
    expect(res.status).toBe(200)
    const twiml = parseTwiml(res.text)
    expect(verbs(twiml)).toEqual(['Say', 'Hangup'])
    expect(allText(twiml)).toContain('只能拨打该工单的来电号码或联系电话')
    expect(await counts()).toEqual({ calls: 0, placed: 0 })
  })

  it('refuses an agent who may not work on the case, an unknown identity and a missing case', async () => {
    for (const p of [
      outgoing({ from: 'client:agent-1002', caseRef: live.reference, to: CALLER }),
      outgoing({ from: 'client:nobody', caseRef: live.reference, to: CALLER }),
      outgoing({ from: CALLER, caseRef: live.reference, to: CALLER }),
      outgoing({ caseRef: 'HL-20000101-0001', to: CALLER }),
      outgoing({ to: CALLER }),
    ]) {
      const res = await h.twilioPost('/voice/softphone/outgoing', p)
      expect(res.status).toBe(200)
      expect(verbs(parseTwiml(res.text))).toEqual(['Say', 'Hangup'])
    }
    expect(await counts()).toEqual({ calls: 0, placed: 0 })
  })

  it('refuses an agent who was deactivated', async () => {
    await h.ctx.db
      .updateTable('agents')
      .set({ active: false })
      .where('job_number', '=', '1001')
      .execute()
    const res = await h.twilioPost(
      '/voice/softphone/outgoing',
      outgoing({ caseRef: live.reference, to: CALLER }),
    )
    await h.ctx.db
      .updateTable('agents')
      .set({ active: true })
      .where('job_number', '=', '1001')
      .execute()
    expect(verbs(parseTwiml(res.text))).toEqual(['Say', 'Hangup'])
    expect(await counts()).toEqual({ calls: 0, placed: 0 })
  })

  let placedSid = ''
  it("dials the case's caller from its hotline, and records the call once under retries", async () => {
    placedSid = callSid()
    const params = outgoing({ sid: placedSid, caseRef: live.reference, to: CALLER })
    const first = await h.twilioPost('/voice/softphone/outgoing', params)
    const retry = await h.twilioPost('/voice/softphone/outgoing', params)
    expect(retry.text).toBe(first.text)
    const twiml = parseTwiml(first.text)
    expect(verbs(twiml)).toEqual(['Dial', 'Dial>Number'])
    const dial = find(twiml, 'Dial')
    expect(dial?.attrs['callerId']).toBe(ZH_HOTLINE)
    expect(dial?.attrs['action']).toBe(`${PUBLIC_BASE_URL}/voice/softphone/status`)
    expect(find(twiml, 'Number')?.text).toBe(CALLER)
    const calls = await softphoneCalls()
    expect(calls).toHaveLength(1)
    expect(calls[0]).toMatchObject({
      call_sid: placedSid,
      direction: 'outbound',
      hotline_number: ZH_HOTLINE,
      to_number: CALLER,
    })
    const placed = await events('softphone_call_placed')
    expect(placed).toHaveLength(1)
    expect(placed[0]?.call_sid).toBe(placedSid)
    expect(placed[0]?.data).toEqual({ to: 'caller' })
  })

  it('shows the call on the case timeline', async () => {
    const res = await request(h.app).get(`/api/cases/${live.reference}`).set(live.auth)
    const types = (res.body.events as { type: string }[]).map((e) => e.type)
    expect(types).toContain('softphone_call_placed')
  })

  it('records the end once, whatever Twilio retries or sends late', async () => {
    const action = {
      CallSid: placedSid,
      CallStatus: 'in-progress',
      DialCallStatus: 'completed',
      DialCallSid: callSid(),
      DialCallDuration: '42',
    }
    const first = await h.twilioPost('/voice/softphone/status', action)
    expect(first.status).toBe(200)
    expect(verbs(parseTwiml(first.text))).toEqual([])
    await h.twilioPost('/voice/softphone/status', action)
    // The TwiML App's own status callback for the browser leg, then a late ringing.
    await h.twilioPost('/voice/softphone/status', {
      CallSid: placedSid,
      CallStatus: 'completed',
      CallDuration: '50',
    })
    await h.twilioPost('/voice/softphone/status', { CallSid: placedSid, CallStatus: 'ringing' })
    const [call] = await softphoneCalls()
    expect(call).toMatchObject({ status: 'completed', duration_seconds: 42 })
    expect(call?.ended_at).not.toBeNull()
    const ended = await events('softphone_call_ended')
    expect(ended).toHaveLength(1)
    expect(ended[0]?.data).toEqual({ status: 'completed', durationSeconds: 42 })
  })

  it('answers a malformed status with 400 naming the problem, and changes nothing', async () => {
    const res = await h.twilioPost('/voice/softphone/status', { CallSid: placedSid })
    expect(res.status).toBe(400)
    expect(res.text).toContain('DialCallStatus or CallStatus is required')
    expect((await events('softphone_call_ended')).length).toBe(1)
  })

  it("dials the case's contact phone (as typed on the form), and nothing else", async () => {
    const patch = await request(h.app)
      .patch(`/api/cases/${live.reference}`)
      .set(live.auth)
      .send({ contactPhone: '+86 138-0000-1111', content: 'a pothole' })
    expect(patch.status).toBe(200)
    const numbers = await request(h.app).get(`/api/cases/${live.reference}/dialable`).set(live.auth)
    expect(numbers.body.numbers).toEqual([
      { target: 'caller', number: CALLER },
      { target: 'contact', number: '+8613800001111' },
    ])
    const res = await h.twilioPost(
      '/voice/softphone/outgoing',
      outgoing({ caseRef: live.reference, to: 'contact' }),
    )
    expect(find(parseTwiml(res.text), 'Number')?.text).toBe('+8613800001111')
    const placed = await events('softphone_call_placed')
    expect(placed.map((e) => e.data)).toEqual([{ to: 'caller' }, { to: 'contact' }])
  })

  it("lets a supervisor call the case's caller, on the owner's behalf", async () => {
    const res = await h.twilioPost(
      '/voice/softphone/outgoing',
      outgoing({ from: 'client:agent-2001', caseRef: live.reference, to: CALLER }),
    )
    expect(find(parseTwiml(res.text), 'Dial')?.attrs['callerId']).toBe(ZH_HOTLINE)
    const placed = await events('softphone_call_placed')
    expect(placed.at(-1)?.data).toEqual({ to: 'caller', onBehalfOf: '1001' })
  })

  it("does not list a case's numbers to an agent who may not work on it", async () => {
    const res = await request(h.app)
      .get(`/api/cases/${live.reference}/dialable`)
      .set(await login(h, '1002'))
    expect(res.status).toBe(403)
  })

  it('is ended by the stale-calls duty when its end never arrived', async () => {
    const sid = callSid()
    await h.twilioPost(
      '/voice/softphone/outgoing',
      outgoing({ sid, caseRef: live.reference, to: CALLER }),
    )
    // Quiet for three minutes: the Dial action and the status callback were both lost.
    await h.ctx.db
      .updateTable('calls')
      .set({ updated_at: new Date(Date.now() - 3 * 60_000) })
      .where('call_sid', '=', sid)
      .execute()
    h.edge.respondWith((r) =>
      r.operationId === 'FetchCall' && r.pathParams.Sid === sid
        ? { statusCode: 200, body: { sid, status: 'no-answer', duration: '0', end_time: null } }
        : undefined,
    )
    await endStaleCalls(h.ctx)
    h.edge.respondWith(undefined)
    const call = await h.ctx.db
      .selectFrom('calls')
      .selectAll()
      .where('call_sid', '=', sid)
      .executeTakeFirstOrThrow()
    expect(call.status).toBe('no-answer')
    const ended = (await events('softphone_call_ended')).filter((e) => e.call_sid === sid)
    expect(ended.map((e) => e.data)).toEqual([{ status: 'no-answer', durationSeconds: 0 }])
  })

  it('records the call when its hotline records, and files the recording on the case', async () => {
    const setRecording = (recording: 'off' | 'silent') =>
      h.ctx.db
        .updateTable('hotlines')
        .set({ recording })
        .where('phone_number', '=', ZH_HOTLINE)
        .execute()
    const place = async () => {
      const sid = callSid()
      const res = await h.twilioPost(
        '/voice/softphone/outgoing',
        outgoing({ sid, caseRef: live.reference, to: CALLER }),
      )
      return { sid, dial: find(parseTwiml(res.text), 'Dial') }
    }
    // Off (the default): no recording attribute at all.
    expect((await place()).dial?.attrs['record']).toBeUndefined()
    await setRecording('silent')
    try {
      const { sid, dial } = await place()
      expect(dial?.attrs).toMatchObject({
        record: 'record-from-answer',
        recordingStatusCallback: `${PUBLIC_BASE_URL}/voice/recording-status`,
        recordingStatusCallbackMethod: 'POST',
      })
      // Twilio's callback for a <Dial> recording names the call that ran the TwiML.
      const recording = `RE${'c'.repeat(32)}`
      const posted = await h.twilioPost('/voice/recording-status', {
        AccountSid: `AC${'1'.repeat(32)}`,
        CallSid: sid,
        RecordingSid: recording,
        RecordingUrl: `https://api.twilio.com/2010-04-01/Accounts/AC${'1'.repeat(32)}/Recordings/${recording}`,
        RecordingStatus: 'completed',
        RecordingDuration: '31',
        RecordingChannels: '1',
        RecordingSource: 'DialVerb',
        RecordingStartTime: new Date().toUTCString(),
      })
      expect(posted.status).toBe(200)
      const kase = await request(h.app).get(`/api/cases/${live.reference}`).set(live.auth)
      expect(kase.body.recordings).toEqual([
        expect.objectContaining({ durationSeconds: 31, status: 'completed' }),
      ])
    } finally {
      await setRecording('off')
    }
  })
})
