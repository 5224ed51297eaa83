import twilio from 'twilio'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

import {
  ACCOUNT_SID,
  AUTH_TOKEN,
  CALLER,
  type Harness,
  HOTLINE,
  startHarness,
  twiml,
} from '../helpers/simulator-harness.ts'

let h: Harness
let client: ReturnType<typeof twilio>

beforeEach(async () => {
  h = await startHarness()
  client = twilio(ACCOUNT_SID, AUTH_TOKEN, { httpClient: h.sim.httpClient as never })
})

afterEach(async () => {
  await h.close()
})

const callerTwiml = (base: string) =>
  twiml(
    `<Say>Connecting</Say><Dial action="${base}/after-call">` +
      `<Conference startConferenceOnEnter="false" endConferenceOnExit="true" beep="false" ` +
      `waitUrl="${base}/hold" statusCallback="${base}/conf-status" ` +
      `statusCallbackEvent="start end join leave hold">room-1</Conference></Dial>`,
  )

const agentTwiml = twiml(
  '<Dial><Conference startConferenceOnEnter="true" endConferenceOnExit="false" ' +
    'participantLabel="agent">room-1</Conference></Dial><Say>Caller left</Say>',
)

async function callerWaitingInRoom(): Promise<string> {
  h.app.on('/voice', callerTwiml(h.app.base))
  h.app.on('/hold', twiml('<Say>Please hold</Say><Play>https://example.com/music.mp3</Play>'))
  h.app.on('/after-call', twiml('<Say>Goodbye</Say>'))
  const { callSid } = await h.sim.placeCall({ from: CALLER, to: HOTLINE })
  // The wait document is fetched again each time it finishes.
  await h.waitFor(() => h.app.hitsTo('/hold').length >= 2)
  return callSid
}

async function agentJoins(doc = agentTwiml): Promise<string> {
  h.sim.registerDevice('client:agent-1001')
  h.app.on('/agent', doc)
  const call = await client.calls.create({
    to: 'client:agent-1001',
    from: HOTLINE,
    url: `${h.app.base}/agent`,
  })
  await h.waitForEvent((e) => e.type === 'incoming' && e.callSid === call.sid)
  h.sim.answer(call.sid)
  await h.waitForEvent((e) => e.type === 'conference-start')
  return call.sid
}

describe('conferences', () => {
  it('loops the waitUrl, starts when the agent joins, and ends for all when the caller leaves', async () => {
    const callerSid = await callerWaitingInRoom()
    const hold = h.app.hitsTo('/hold')[0]
    expect(hold?.signatureValid).toBe(true)
    expect(hold?.params).toMatchObject({ CallSid: callerSid, FriendlyName: 'room-1' })
    expect(h.sim.snapshot().conferences[0]).toMatchObject({ name: 'room-1', status: 'init' })

    const agentSid = await agentJoins()
    const snapshot = h.sim.snapshot()
    expect(snapshot.conferences[0]).toMatchObject({ status: 'in-progress' })
    expect(snapshot.conferences[0]?.participants.map((p) => p.callSid).sort()).toEqual(
      [callerSid, agentSid].sort(),
    )
    const holdsAtStart = h.app.hitsTo('/hold').length

    h.sim.hangup(callerSid)
    // The caller had endConferenceOnExit: the agent's Dial ends and its TwiML continues.
    await h.waitForEvent(
      (e) => e.type === 'say' && e.callSid === agentSid && e.text === 'Caller left',
    )
    await h.waitForEvent((e) => e.type === 'ended' && e.callSid === agentSid)
    expect(h.app.hitsTo('/hold').length).toBe(holdsAtStart)

    const callbacks = await h.waitFor(() => {
      const hits = h.app.hitsTo('/conf-status')
      return hits.some((x) => x.params.StatusCallbackEvent === 'conference-end') && hits
    })
    expect(callbacks.every((c) => c.signatureValid)).toBe(true)
    expect(callbacks.map((c) => c.params.StatusCallbackEvent)).toEqual([
      'participant-join',
      'participant-join',
      'conference-start',
      'participant-leave',
      'participant-leave',
      'conference-end',
    ])
    expect(callbacks.map((c) => Number(c.params.SequenceNumber))).toEqual([1, 2, 3, 4, 5, 6])
    const conferenceSid = callbacks[0]?.params.ConferenceSid
    expect(conferenceSid).toMatch(/^CF[0-9a-f]{32}$/)
    expect(callbacks.every((c) => c.params.ConferenceSid === conferenceSid)).toBe(true)
    expect(callbacks[0]?.params).toMatchObject({
      FriendlyName: 'room-1',
      AccountSid: ACCOUNT_SID,
      CallSid: callerSid,
      StartConferenceOnEnter: 'false',
      EndConferenceOnExit: 'true',
      Hold: 'false',
      Muted: 'false',
    })
    expect(callbacks[5]?.params).toMatchObject({
      ReasonConferenceEnded: 'participant-with-end-conference-on-exit-left',
      CallSidEndingConference: callerSid,
    })
    // The caller hung up, so its Dial action is still posted and its answer ignored.
    const after = await h.waitFor(() => h.app.hitsTo('/after-call')[0])
    expect(after.params).toMatchObject({ CallSid: callerSid, DialCallStatus: 'completed' })
  })

  it('drops the caller to its Dial action when the agent with endConferenceOnExit leaves', async () => {
    h.app.on('/voice', callerTwiml(h.app.base).replace('endConferenceOnExit="true"', ''))
    h.app.on('/hold', twiml('<Play>https://example.com/music.mp3</Play>'))
    h.app.on('/after-call', twiml('<Say>Goodbye</Say>'))
    const { callSid: callerSid } = await h.sim.placeCall({ from: CALLER, to: HOTLINE })
    await h.waitForEvent((e) => e.type === 'conference-join')
    const agentSid = await agentJoins(
      agentTwiml.replace('endConferenceOnExit="false"', 'endConferenceOnExit="true"'),
    )
    h.sim.hangup(agentSid)
    const after = await h.waitFor(() => h.app.hitsTo('/after-call')[0])
    expect(after.params).toMatchObject({ CallSid: callerSid, DialCallStatus: 'completed' })
    await h.waitForEvent((e) => e.type === 'say' && e.callSid === callerSid && e.text === 'Goodbye')
  })

  it('holds a participant via REST, playing its HoldUrl in a loop, and unholds it', async () => {
    const callerSid = await callerWaitingInRoom()
    const agentSid = await agentJoins()
    h.app.on('/hold-music', twiml('<Play>https://example.com/hold.mp3</Play>'))
    const conf = h.sim.snapshot().conferences[0]
    if (!conf) throw new Error('no conference')
    const updated = await client
      .conferences(conf.sid)
      .participants(callerSid)
      .update({
        hold: true,
        holdUrl: `${h.app.base}/hold-music`,
        holdMethod: 'POST',
      })
    expect(updated).toMatchObject({ hold: true, callSid: callerSid, conferenceSid: conf.sid })
    await h.waitFor(() => h.app.hitsTo('/hold-music').length >= 2)
    expect(h.sim.snapshot().conferences[0]?.participants).toContainEqual(
      expect.objectContaining({ callSid: callerSid, hold: true }),
    )
    await client.conferences(conf.sid).participants(callerSid).update({ hold: false })
    const holdEvents = h.events.filter((e) => e.type === 'conference-hold')
    expect(holdEvents.map((e) => 'hold' in e && e.hold)).toEqual([true, false])
    const events = await h.waitFor(() => {
      const names = h.app.hitsTo('/conf-status').map((x) => x.params.StatusCallbackEvent)
      return names.includes('participant-unhold') && names
    })
    expect(events).toContain('participant-hold')
    // Still connected: the agent can take the caller back.
    expect(h.sim.snapshot().calls.find((c) => c.sid === agentSid)?.status).toBe('in-progress')
  })

  it('adds a participant by REST (warm transfer) and lists participants', async () => {
    const callerSid = await callerWaitingInRoom()
    await agentJoins()
    h.sim.registerDevice('client:agent-2002', { autoAnswer: { afterMs: 5 } })
    const created = await client.conferences('room-1').participants.create({
      from: HOTLINE,
      to: 'client:agent-2002',
      label: 'colleague',
      startConferenceOnEnter: true,
      endConferenceOnExit: false,
      statusCallback: `${h.app.base}/colleague-status`,
      statusCallbackEvent: ['answered', 'completed'],
    })
    expect(created.callSid).toMatch(/^CA[0-9a-f]{32}$/)
    expect(created.label).toBe('colleague')
    await h.waitFor(() =>
      h.events.some((e) => e.type === 'conference-join' && e.callSid === created.callSid),
    )
    const list = await client.conferences(created.conferenceSid).participants.list()
    expect(list.map((p) => p.callSid)).toContain(created.callSid)
    const byLabel = await client
      .conferences(created.conferenceSid)
      .participants('colleague')
      .fetch()
    expect(byLabel.callSid).toBe(created.callSid)
    const conferences = await client.conferences.list({ friendlyName: 'room-1' })
    expect(conferences).toHaveLength(1)
    // Kicking the caller continues its TwiML after the Dial (here: the action).
    await client.conferences(created.conferenceSid).participants(callerSid).remove()
    await h.waitFor(() => h.app.hitsTo('/after-call')[0])
  })

  it('answers 404 for a participant that is not in the conference', async () => {
    await callerWaitingInRoom()
    const conf = h.sim.snapshot().conferences[0]
    if (!conf) throw new Error('no conference')
    await expect(
      client
        .conferences(conf.sid)
        .participants('CA' + '0'.repeat(32))
        .update({ hold: true }),
    ).rejects.toMatchObject({ status: 404, code: 20404 })
  })
})
