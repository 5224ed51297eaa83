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

async function bytes(body: ReadableStream<Uint8Array> | null): Promise<Buffer> {
  return Buffer.from(await new Response(body).arrayBuffer())
}

describe('the simulator records', () => {
  it('a conference with record-from-start: a signed callback, WAV media with ranges, DELETE', async () => {
    const base = h.app.base
    h.app.on(
      '/voice',
      twiml(
        `<Dial><Conference startConferenceOnEnter="false" endConferenceOnExit="true" ` +
          `record="record-from-start" recordingStatusCallback="${base}/rec" ` +
          `recordingStatusCallbackEvent="completed absent">room-1</Conference></Dial>`,
      ),
    )
    h.app.on('/agent', twiml('<Dial><Conference>room-1</Conference></Dial>'))
    const { callSid } = await h.sim.placeCall({ from: CALLER, to: HOTLINE })
    await h.waitForEvent((e) => e.type === 'conference-join')
    h.sim.registerDevice('client:agent-1', { autoAnswer: { afterMs: 0 } })
    await telephony.createCall({
      to: 'client:agent-1',
      from: HOTLINE,
      url: `${base}/agent`,
      statusCallback: `${base}/status`,
      statusCallbackEvent: ['completed'],
      timeoutSeconds: 30,
    })
    await h.waitForEvent((e) => e.type === 'conference-start')
    await new Promise((r) => setTimeout(r, 120))
    h.sim.hangup(callSid)
    const [hit] = await h.waitFor(() => h.app.hitsTo('/rec').length > 0 && h.app.hitsTo('/rec'))
    expect(hit?.signatureValid).toBe(true)
    const conferenceSid = h.sim.snapshot().recordings[0]?.conferenceSid
    expect(hit?.params).toMatchObject({
      AccountSid: ACCOUNT_SID,
      ConferenceSid: conferenceSid,
      RecordingStatus: 'completed',
      RecordingSource: 'Conference',
    })
    expect(hit?.params).not.toHaveProperty('CallSid')
    const sid = String(hit?.params.RecordingSid)
    expect(sid).toMatch(/^RE[0-9a-f]{32}$/)
    expect(Number(hit?.params.RecordingDuration)).toBeGreaterThanOrEqual(1)

    const whole = await telephony.fetchRecordingAudio(sid)
    expect(whole?.statusCode).toBe(200)
    expect(whole?.contentType).toBe('audio/wav')
    const wav = await bytes(whole?.body ?? null)
    expect(wav.subarray(0, 4).toString('ascii')).toBe('RIFF')
    expect(wav.subarray(8, 12).toString('ascii')).toBe('WAVE')
    expect(wav.length).toBe(Number(whole?.contentLength))
    // Small whatever the length: 8 kHz, 8-bit, at most 20 s.
    expect(wav.length).toBeLessThanOrEqual(44 + 20 * 8000)

    const part = await telephony.fetchRecordingAudio(sid, { range: 'bytes=0-99' })
    expect(part?.statusCode).toBe(206)
    expect(part?.contentRange).toBe(`bytes 0-99/${wav.length}`)
    expect(await bytes(part?.body ?? null)).toEqual(wav.subarray(0, 100))

    expect(await telephony.deleteRecording(sid)).toBe('deleted')
    expect(await telephony.fetchRecordingAudio(sid)).toBeNull()
    expect(await telephony.deleteRecording(sid)).toBe('not_found')
  })

  it('a REST call created with Record: its recording callback names the call', async () => {
    h.sim.registerDevice('client:agent-1', { autoAnswer: { afterMs: 0 } })
    h.app.on('/answer', twiml('<Pause length="2"/><Hangup/>'))
    const { callSid } = await telephony.createCall({
      to: 'client:agent-1',
      from: HOTLINE,
      url: `${h.app.base}/answer`,
      statusCallback: `${h.app.base}/status`,
      statusCallbackEvent: ['completed'],
      timeoutSeconds: 30,
      recordingStatusCallback: `${h.app.base}/rec`,
    })
    const [hit] = await h.waitFor(() => h.app.hitsTo('/rec').length > 0 && h.app.hitsTo('/rec'))
    expect(hit?.signatureValid).toBe(true)
    expect(hit?.params).toMatchObject({
      CallSid: callSid,
      RecordingStatus: 'completed',
      RecordingSource: 'OutboundAPI',
    })
    expect(Number(hit?.params.RecordingDuration)).toBeGreaterThanOrEqual(2)
    const audio = await telephony.fetchRecordingAudio(String(hit?.params.RecordingSid))
    expect(audio?.statusCode).toBe(200)
    await audio?.body?.cancel()
  })

  it('a <Dial record="record-from-answer">: the bridged call, under the parent CallSid', async () => {
    h.sim.registerDevice('client:agent-1', { autoAnswer: { afterMs: 0 } })
    h.app.on(
      '/voice',
      twiml(
        `<Dial record="record-from-answer" recordingStatusCallback="${h.app.base}/rec" ` +
          `recordingStatusCallbackEvent="completed absent"><Client>agent-1</Client></Dial>`,
      ),
    )
    const { callSid } = await h.sim.placeCall({ from: CALLER, to: HOTLINE })
    await h.waitForEvent((e) => e.type === 'answered' && e.callSid !== callSid)
    await new Promise((r) => setTimeout(r, 80))
    h.sim.hangup(callSid)
    const [hit] = await h.waitFor(() => h.app.hitsTo('/rec').length > 0 && h.app.hitsTo('/rec'))
    expect(hit?.signatureValid).toBe(true)
    expect(hit?.params).toMatchObject({
      CallSid: callSid,
      RecordingStatus: 'completed',
      RecordingSource: 'DialVerb',
    })
  })

  it('a call without Record is not recorded', async () => {
    h.sim.registerDevice('client:agent-1', { autoAnswer: { afterMs: 0 } })
    h.app.on('/answer', twiml('<Hangup/>'))
    await telephony.createCall({
      to: 'client:agent-1',
      from: HOTLINE,
      url: `${h.app.base}/answer`,
      statusCallback: `${h.app.base}/status`,
      statusCallbackEvent: ['completed'],
      timeoutSeconds: 30,
    })
    await h.waitFor(() => h.app.hitsTo('/status').length > 0)
    expect(h.sim.snapshot().recordings).toEqual([])
  })
})
