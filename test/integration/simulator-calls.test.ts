import { afterEach, beforeEach, describe, expect, it } from 'vitest'

import type { Telephony } from '../../src/telephony/telephony.ts'
import {
  ACCOUNT_SID,
  CALLER,
  type Harness,
  HOTLINE,
  startHarness,
  twiml,
} from '../helpers/simulator-harness.ts'

let h: Harness
let telephony: Telephony

beforeEach(async () => {
  h = await startHarness()
  telephony = h.telephony
})

afterEach(async () => {
  await h.close()
})

describe('inbound calls', () => {
  it('posts Twilio inbound params, runs Say/Gather, and posts the digits to the action', async () => {
    h.app.on(
      '/voice',
      twiml(
        '<Say language="en-US">Welcome &amp; hello</Say>' +
          '<Gather numDigits="1" action="/menu"><Say>Press 1</Say></Gather>',
      ),
    )
    h.app.on('/menu', twiml('<Say>You chose well</Say><Hangup/>'))
    const { callSid } = await h.sim.placeCall({ from: CALLER, to: HOTLINE, callerName: 'Li Lei' })
    await h.waitForEvent((e) => e.type === 'gather')
    h.sim.press(callSid, '1')
    await h.waitForEvent((e) => e.type === 'ended')

    const [first] = h.app.hitsTo('/voice')
    expect(first?.signatureValid).toBe(true)
    expect(first?.params).toMatchObject({
      CallSid: callSid,
      AccountSid: ACCOUNT_SID,
      From: CALLER,
      To: HOTLINE,
      Caller: CALLER,
      Called: HOTLINE,
      CallStatus: 'ringing',
      Direction: 'inbound',
      ApiVersion: '2010-04-01',
      CallerName: 'Li Lei',
      FromCountry: 'CN',
    })
    const [menu] = h.app.hitsTo('/menu')
    expect(menu?.signatureValid).toBe(true)
    expect(menu?.params).toMatchObject({ Digits: '1', CallStatus: 'in-progress', CallSid: callSid })
    const says = h.events.flatMap((e) => (e.type === 'say' ? [e.text] : []))
    expect(says).toEqual(['Welcome & hello', 'Press 1', 'You chose well'])
    const status = await h.waitFor(() => h.app.hitsTo('/voice/status')[0])
    expect(status.signatureValid).toBe(true)
    expect(status.params).toMatchObject({ CallStatus: 'completed', SequenceNumber: '0' })
    expect(Number(status.params.CallDuration)).toBeGreaterThanOrEqual(0)
  })

  it('continues with the next verb when Gather times out, without calling its action', async () => {
    h.app.on(
      '/voice',
      twiml('<Gather timeout="1" action="/menu"><Say>Press 1</Say></Gather><Say>Bye</Say>'),
    )
    await h.sim.placeCall({ from: CALLER, to: HOTLINE })
    const ended = await h.waitForEvent((e) => e.type === 'ended')
    expect(ended).toMatchObject({ status: 'completed' })
    expect(h.app.hitsTo('/menu')).toHaveLength(0)
    expect(h.events.some((e) => e.type === 'say' && e.text === 'Bye')).toBe(true)
  })

  it('posts the Gather action on an empty result only with actionOnEmptyResult', async () => {
    h.app.on('/voice', twiml('<Gather timeout="1" actionOnEmptyResult="true" action="/menu"/>'))
    h.app.on('/menu', twiml('<Hangup/>'))
    await h.sim.placeCall({ from: CALLER, to: HOTLINE })
    const hit = await h.waitFor(() => h.app.hitsTo('/menu')[0])
    expect(hit.params.Digits).toBe('')
  })

  it('collects digits until finishOnKey and defaults the action to the document URL', async () => {
    let round = 0
    h.app.on('/voice', () =>
      ++round === 1 ? twiml('<Gather><Say>Your number</Say></Gather>') : twiml('<Hangup/>'),
    )
    const { callSid } = await h.sim.placeCall({ from: CALLER, to: HOTLINE })
    await h.waitForEvent((e) => e.type === 'gather')
    h.sim.press(callSid, '42#')
    await h.waitForEvent((e) => e.type === 'ended')
    const second = h.app.hitsTo('/voice')[1]
    expect(second?.params).toMatchObject({ Digits: '42', FinishedOnKey: '#' })
  })

  it('lets keys pressed during a nested prompt interrupt it (barge-in)', async () => {
    await h.close()
    h = await startHarness({ timings: { sayMsPerChar: 50, secondMs: 50, playMs: 20 } })
    h.app.on(
      '/voice',
      twiml('<Gather numDigits="1" action="/menu"><Say>A very long menu indeed</Say></Gather>'),
    )
    h.app.on('/menu', twiml('<Hangup/>'))
    const { callSid } = await h.sim.placeCall({ from: CALLER, to: HOTLINE })
    await h.waitForEvent((e) => e.type === 'say')
    const startedAt = Date.now()
    h.sim.press(callSid, '2')
    const hit = await h.waitFor(() => h.app.hitsTo('/menu')[0])
    expect(hit.params.Digits).toBe('2')
    expect(Date.now() - startedAt).toBeLessThan(500)
  })

  it('redirects with <Redirect> and resolves relative URLs', async () => {
    h.app.on('/voice', twiml('<Redirect method="POST">next</Redirect>'))
    h.app.on('/next', twiml('<Say>Moved</Say>'))
    await h.sim.placeCall({ from: CALLER, to: HOTLINE })
    await h.waitForEvent((e) => e.type === 'ended')
    expect(h.app.hitsTo('/next')).toHaveLength(1)
    expect(h.events.some((e) => e.type === 'redirect')).toBe(true)
  })

  it('throws a clear error for a number no hotline has', async () => {
    await expect(h.sim.placeCall({ from: CALLER, to: '+861099999' })).rejects.toThrow(
      /No hotline has the number/,
    )
  })
})

describe('dial', () => {
  it('bridges the first leg to answer and posts DialCallStatus when it hangs up', async () => {
    h.sim.registerDevice('client:agent-1')
    h.app.on('/voice', twiml('<Dial action="/dialed" timeout="20"><Client>agent-1</Client></Dial>'))
    h.app.on('/dialed', twiml('<Say>Call finished</Say>'))
    const { callSid } = await h.sim.placeCall({ from: CALLER, to: HOTLINE })
    const incoming = await h.waitForEvent((e) => e.type === 'incoming')
    expect(incoming).toMatchObject({ address: 'client:agent-1', from: CALLER })
    h.sim.answer(incoming.callSid ?? '')
    await h.waitForEvent((e) => e.type === 'answered' && e.callSid === incoming.callSid)
    expect(h.sim.snapshot().calls.find((c) => c.sid === incoming.callSid)).toMatchObject({
      direction: 'outbound-dial',
      parentCallSid: callSid,
    })
    h.sim.hangup(incoming.callSid ?? '')
    const hit = await h.waitFor(() => h.app.hitsTo('/dialed')[0])
    expect(hit.params).toMatchObject({
      CallSid: callSid,
      DialCallStatus: 'completed',
      DialCallSid: incoming.callSid,
    })
  })

  it('reports no-answer when nobody picks up, and continues without an action', async () => {
    h.app.on('/voice', twiml('<Dial timeout="5">+8613900000009</Dial><Say>Nobody there</Say>'))
    await h.sim.placeCall({ from: CALLER, to: HOTLINE })
    const end = await h.waitForEvent((e) => e.type === 'dial-end')
    expect(end).toMatchObject({ dialCallStatus: 'no-answer' })
    await h.waitForEvent((e) => e.type === 'say' && e.text === 'Nobody there')
  })

  it('lets the caller leave a bridged call with * (hangupOnStar)', async () => {
    h.sim.registerDevice('+8613900000002', { autoAnswer: { afterMs: 5 } })
    h.app.on('/voice', twiml('<Dial hangupOnStar="true">+8613900000002</Dial><Say>Back</Say>'))
    const { callSid } = await h.sim.placeCall({ from: CALLER, to: HOTLINE })
    const answered = await h.waitForEvent((e) => e.type === 'answered' && e.callSid !== callSid)
    h.sim.press(callSid, '*')
    await h.waitForEvent((e) => e.type === 'say' && e.text === 'Back')
    expect(h.events).toContainEqual(
      expect.objectContaining({ type: 'ended', callSid: answered.callSid, status: 'completed' }),
    )
  })
})

describe('speech and shutdown', () => {
  it('sends SpeechResult when a speech Gather hears words', async () => {
    h.app.on(
      '/voice',
      twiml('<Gather input="speech dtmf" action="/heard"><Say>Tell us</Say></Gather>'),
    )
    h.app.on('/heard', twiml('<Hangup/>'))
    const { callSid } = await h.sim.placeCall({ from: CALLER, to: HOTLINE })
    await h.waitForEvent((e) => e.type === 'gather')
    h.sim.speak(callSid, 'water leak')
    const hit = await h.waitFor(() => h.app.hitsTo('/heard')[0])
    expect(hit.params).toMatchObject({ SpeechResult: 'water leak' })
  })

  it('close() ends every call without sending more webhooks', async () => {
    h.app.on('/voice', twiml('<Pause length="100"/>'))
    const { callSid } = await h.sim.placeCall({ from: CALLER, to: HOTLINE })
    await h.waitForEvent((e) => e.type === 'pause')
    const before = h.app.hits.length
    await h.sim.close()
    expect(h.events).toContainEqual(expect.objectContaining({ type: 'ended', callSid }))
    expect(h.app.hits.length).toBe(before)
    await expect(h.sim.placeCall({ from: CALLER, to: HOTLINE })).rejects.toThrow(/closed/)
  })
})

describe('application errors', () => {
  it('says the application error and hangs up when the webhook answers 500', async () => {
    h.app.on('/voice', () => ({ status: 500, body: 'boom' }))
    await h.sim.placeCall({ from: CALLER, to: HOTLINE })
    const ended = await h.waitForEvent((e) => e.type === 'ended')
    expect(ended).toMatchObject({ status: 'completed' })
    const error = h.events.find((e) => e.type === 'error')
    expect(error).toMatchObject({ code: 11200 })
    expect(h.events.some((e) => e.type === 'say' && /application error/.test(e.text))).toBe(true)
  })

  it('treats an unknown verb as an application error', async () => {
    h.app.on('/voice', twiml('<Say>Hi</Say><Dance/>'))
    await h.sim.placeCall({ from: CALLER, to: HOTLINE })
    await h.waitForEvent((e) => e.type === 'ended')
    const error = h.events.find((e) => e.type === 'error')
    expect(error).toMatchObject({ code: 12200 })
    expect(error && 'message' in error ? error.message : '').toMatch(/<Dance>/)
    // Twilio validates the whole document first, so the Say never plays.
    expect(h.events.some((e) => e.type === 'say' && e.text === 'Hi')).toBe(false)
  })

  it('rejects a document that is not XML', async () => {
    h.app.on('/voice', () => ({
      status: 200,
      body: '<Response><Say>oops</Response>',
      type: 'text/xml',
    }))
    await h.sim.placeCall({ from: CALLER, to: HOTLINE })
    await h.waitForEvent((e) => e.type === 'ended')
    expect(h.events.find((e) => e.type === 'error')).toMatchObject({ code: 12100 })
  })
})

describe('record', () => {
  it('keeps spoken words as the transcript and posts RecordingUrl when # ends it', async () => {
    h.app.on(
      '/voice',
      twiml(
        '<Record action="/recorded" maxLength="60" timeout="10" finishOnKey="#" ' +
          'recordingStatusCallback="/recording-status"/>',
      ),
    )
    h.app.on('/recorded', twiml('<Say>Thanks</Say>'))
    const { callSid } = await h.sim.placeCall({ from: CALLER, to: HOTLINE })
    await h.waitForEvent((e) => e.type === 'record')
    h.sim.speak(callSid, 'My heating is broken')
    h.sim.speak(callSid, 'since Monday')
    h.sim.press(callSid, '#')
    const hit = await h.waitFor(() => h.app.hitsTo('/recorded')[0])
    expect(hit.signatureValid).toBe(true)
    expect(hit.params.Digits).toBe('#')
    expect(hit.params.RecordingSid).toMatch(/^RE[0-9a-f]{32}$/)
    expect(hit.params.RecordingUrl).toContain(`/Accounts/${ACCOUNT_SID}/Recordings/RE`)
    expect(h.sim.snapshot().recordings[0]).toMatchObject({
      callSid,
      transcript: 'My heating is broken since Monday',
    })
    const status = await h.waitFor(() => h.app.hitsTo('/recording-status')[0])
    expect(status.params).toMatchObject({ RecordingStatus: 'completed', CallSid: callSid })
  })

  it('still posts the action (Digits=hangup) and the recording callback on hangup', async () => {
    h.app.on('/voice', twiml('<Record action="/recorded" recordingStatusCallback="/rs"/>'))
    const { callSid } = await h.sim.placeCall({ from: CALLER, to: HOTLINE })
    await h.waitForEvent((e) => e.type === 'record')
    h.sim.speak(callSid, 'hello')
    h.sim.hangup(callSid)
    const hit = await h.waitFor(() => h.app.hitsTo('/recorded')[0])
    expect(hit.params.Digits).toBe('hangup')
    await h.waitFor(() => h.app.hitsTo('/rs')[0])
  })
})

describe('REST calls through the official twilio client', () => {
  const statusEvents = ['initiated', 'ringing', 'answered', 'completed'] as const

  it('rings a registered device, fetches Url on answer, and reports progress in order', async () => {
    h.sim.registerDevice('client:agent-1001')
    h.app.on('/agent', twiml('<Say>New call for you</Say><Hangup/>'))
    const { callSid } = await telephony.createCall({
      to: 'client:agent-1001',
      from: HOTLINE,
      url: `${h.app.base}/agent`,
      statusCallback: `${h.app.base}/agent/status`,
      statusCallbackEvent: [...statusEvents],
      timeoutSeconds: 30,
    })
    expect(callSid).toMatch(/^CA[0-9a-f]{32}$/)
    await h.waitForEvent((e) => e.type === 'incoming' && e.callSid === callSid)
    h.sim.answer(callSid)
    await h.waitForEvent((e) => e.type === 'ended')
    const [hit] = h.app.hitsTo('/agent')
    expect(hit?.signatureValid).toBe(true)
    expect(hit?.params).toMatchObject({
      CallSid: callSid,
      CallStatus: 'in-progress',
      Direction: 'outbound-api',
      From: HOTLINE,
      To: 'client:agent-1001',
    })
    const statuses = await h.waitFor(() => {
      const hits = h.app.hitsTo('/agent/status')
      return hits.length === 4 && hits
    })
    expect(statuses.every((s) => s.signatureValid)).toBe(true)
    expect(statuses.map((s) => s.params.CallStatus)).toEqual([
      'initiated',
      'ringing',
      'in-progress',
      'completed',
    ])
    expect(statuses.map((s) => s.params.SequenceNumber)).toEqual(['0', '1', '2', '3'])
    expect(statuses[3]?.params).toMatchObject({ CallbackSource: 'call-progress-events' })
  })

  it('ends a call to an address with no device as no-answer after its Timeout', async () => {
    const { callSid } = await telephony.createCall({
      to: '+8613900000000',
      from: HOTLINE,
      url: `${h.app.base}/agent`,
      statusCallback: `${h.app.base}/agent/status`,
      statusCallbackEvent: ['completed'],
      timeoutSeconds: 10,
    })
    const hit = await h.waitFor(() => h.app.hitsTo('/agent/status')[0])
    expect(hit.params).toMatchObject({ CallSid: callSid, CallStatus: 'no-answer' })
    expect(h.app.hitsTo('/agent')).toHaveLength(0)
  })

  it('reports busy when the device rejects', async () => {
    h.sim.registerDevice('+8613900000001')
    const { callSid } = await telephony.createCall({
      to: '+8613900000001',
      from: HOTLINE,
      url: `${h.app.base}/agent`,
      statusCallback: `${h.app.base}/agent/status`,
      statusCallbackEvent: ['completed'],
      timeoutSeconds: 30,
    })
    await h.waitForEvent((e) => e.type === 'incoming')
    h.sim.reject(callSid)
    const hit = await h.waitFor(() => h.app.hitsTo('/agent/status')[0])
    expect(hit.params.CallStatus).toBe('busy')
  })

  it('cancels a ringing call', async () => {
    h.sim.registerDevice('client:agent-1002')
    const { callSid } = await telephony.createCall({
      to: 'client:agent-1002',
      from: HOTLINE,
      url: `${h.app.base}/agent`,
      statusCallback: `${h.app.base}/agent/status`,
      statusCallbackEvent: ['ringing', 'completed'],
      timeoutSeconds: 30,
    })
    await h.waitForEvent((e) => e.type === 'incoming')
    await telephony.endCall(callSid, 'canceled')
    const hits = await h.waitFor(() => {
      const all = h.app.hitsTo('/agent/status')
      return all.length === 2 && all
    })
    expect(hits.map((x) => x.params.CallStatus)).toEqual(['ringing', 'canceled'])
    expect(() => h.sim.answer(callSid)).toThrow(/already ended/)
  })

  it('redirects a live call to new TwiML via REST update', async () => {
    h.app.on('/voice', twiml('<Pause length="100"/>'))
    h.app.on('/elsewhere', twiml('<Say>Redirected</Say>'))
    const { callSid } = await h.sim.placeCall({ from: CALLER, to: HOTLINE })
    await h.waitForEvent((e) => e.type === 'pause')
    await telephony.redirectCall(callSid, `${h.app.base}/elsewhere`)
    await h.waitForEvent((e) => e.type === 'ended')
    const [hit] = h.app.hitsTo('/elsewhere')
    expect(hit?.params).toMatchObject({ CallSid: callSid, CallStatus: 'in-progress' })
    expect(h.events.some((e) => e.type === 'say' && e.text === 'Redirected')).toBe(true)
  })

  it('hangs up an answered call with Status=completed', async () => {
    h.app.on('/voice', twiml('<Pause length="100"/>'))
    const { callSid } = await h.sim.placeCall({ from: CALLER, to: HOTLINE })
    await h.waitForEvent((e) => e.type === 'pause')
    await telephony.endCall(callSid, 'completed')
    expect(await h.waitForEvent((e) => e.type === 'ended')).toMatchObject({ status: 'completed' })
  })

  it('answers Twilio-shaped errors', async () => {
    const unknown = 'CA' + 'f'.repeat(32)
    await expect(telephony.redirectCall(unknown, `${h.app.base}/x`)).rejects.toMatchObject({
      status: 404,
      code: 20404,
    })
    await expect(
      telephony.createCall({
        to: 'not-a-number',
        from: HOTLINE,
        url: `${h.app.base}/agent`,
        statusCallback: `${h.app.base}/s`,
        statusCallbackEvent: ['completed'],
        timeoutSeconds: 30,
      }),
    ).rejects.toMatchObject({ status: 400, code: 21211 })
    h.app.on('/voice', twiml('<Hangup/>'))
    const { callSid } = await h.sim.placeCall({ from: CALLER, to: HOTLINE })
    await h.waitForEvent((e) => e.type === 'ended')
    await expect(telephony.redirectCall(callSid, `${h.app.base}/x`)).rejects.toMatchObject({
      status: 400,
      code: 21220,
    })
  })
})

describe('devices', () => {
  it('auto-answers and presses digits at the first Gather', async () => {
    h.sim.registerDevice('client:auto', { autoAnswer: { afterMs: 10, digits: '1' } })
    h.app.on('/agent', twiml('<Say>Accept?</Say><Gather numDigits="1" action="/accept"/>'))
    h.app.on('/accept', twiml('<Hangup/>'))
    await telephony.createCall({
      to: 'client:auto',
      from: HOTLINE,
      url: `${h.app.base}/agent`,
      statusCallback: `${h.app.base}/s`,
      statusCallbackEvent: ['completed'],
      timeoutSeconds: 30,
    })
    const hit = await h.waitFor(() => h.app.hitsTo('/accept')[0])
    expect(hit.params.Digits).toBe('1')
  })
})
