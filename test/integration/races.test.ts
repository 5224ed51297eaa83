import { afterEach, beforeEach, describe, expect, it } from 'vitest'

import { runDispatch } from '../../src/calls/dispatcher.ts'
import { answerAndPress, callIn, createdCalls, legSidOf, legStatus } from '../helpers/call-steps.ts'
import type { Harness } from '../helpers/harness.ts'
import { createHarness, pathOf } from '../helpers/harness.ts'
import { find, parseTwiml, verbs } from '../helpers/twiml.ts'

/** Webhooks that Twilio retries, reorders or sends at the same moment as another. */
describe('races between webhooks', () => {
  let h: Harness
  beforeEach(async () => {
    h = await createHarness()
  })
  afterEach(async () => {
    h.edge.assertAllValid()
    await h.close()
  })

  const caseCount = async () => (await h.ctx.db.selectFrom('cases').select('id').execute()).length
  const callerRow = (sid: string) =>
    h.ctx.db.selectFrom('calls').selectAll().where('call_sid', '=', sid).executeTakeFirstOrThrow()

  /** A caller queued and a first wave rung; returns the caller's sid and the first offer. */
  async function rung() {
    const { sid, action } = await callIn(h)
    await h.twilioPost(action, { CallSid: sid, Digits: '1' })
    await runDispatch(h.ctx)
    return { sid, first: createdCalls(h)[0] }
  }

  it('opens one case when the same menu choice is posted twice at once', async () => {
    const { sid, action } = await callIn(h)
    const both = await Promise.all([
      h.twilioPost(action, { CallSid: sid, Digits: '1' }),
      h.twilioPost(action, { CallSid: sid, Digits: '1' }),
    ])
    for (const r of both)
      expect(verbs(parseTwiml(r.text))).toEqual(['Say', 'Dial', 'Dial>Conference'])
    expect(await caseCount()).toBe(1)
  })

  it('opens no case when the choice arrives after the caller hung up', async () => {
    const { sid, action } = await callIn(h)
    await h.twilioPost('/voice/status', {
      CallSid: sid,
      CallStatus: 'completed',
      CallDuration: '4',
    })
    const late = parseTwiml((await h.twilioPost(action, { CallSid: sid, Digits: '1' })).text)
    expect(verbs(late)).toEqual(['Hangup'])
    expect(await caseCount()).toBe(0)
  })

  it('gives the call back to the queue when the accepting agent drops before joining', async () => {
    const { sid, first } = await rung()
    await answerAndPress(h, first)
    await runDispatch(h.ctx) // the pass the claim triggers: the other legs are cancelled
    // The agent's line drops before Twilio puts them in the conference.
    await legStatus(h, first, 'completed', 3, { CallDuration: '3' })

    expect(await callerRow(sid)).toMatchObject({
      queue_state: 'waiting',
      answered_by_agent_id: null,
    })
    const job = String(first?.data['To']).replace('client:agent-', '')
    const agent = await h.ctx.db
      .selectFrom('agents')
      .select('presence')
      .where('job_number', '=', job)
      .executeTakeFirstOrThrow()
    expect(agent.presence).toBe('available')
    const types = (
      await h.ctx.db.selectFrom('case_events').select('type').orderBy('id').execute()
    ).map((e) => e.type)
    expect(types).toContain('agent_dropped')

    // The next pass rings agents again for the caller who is still holding.
    h.edge.requests.length = 0
    await runDispatch(h.ctx)
    expect(createdCalls(h).length).toBeGreaterThan(0)
  })

  it('keeps the connection when the agent joined the conference before the call ended', async () => {
    const { sid, first } = await rung()
    const joined = await answerAndPress(h, first)
    const confStatus = pathOf(find(joined, 'Conference')?.attrs['statusCallback'] ?? '')
    await h.twilioPost(confStatus, {
      ConferenceSid: `CF${'c'.repeat(32)}`,
      FriendlyName: `call-${sid}`,
      StatusCallbackEvent: 'participant-join',
      SequenceNumber: '2',
      CallSid: legSidOf(first),
    })
    await legStatus(h, first, 'completed', 3, { CallDuration: '300' })
    expect((await callerRow(sid)).queue_state).toBe('connected')
  })

  it('tells an agent whose leg already ended that the call went elsewhere', async () => {
    const { sid, first } = await rung()
    const legSid = legSidOf(first)
    const w = parseTwiml(
      (await h.twilioPost(pathOf(String(first?.data['Url'])), { CallSid: legSid })).text,
    )
    // Twilio reports the leg over (the agent hung up at the whisper), then the key press lands.
    await legStatus(h, first, 'completed', 3)
    const action = pathOf(find(w, 'Gather')?.attrs['action'] ?? '')
    const late = parseTwiml((await h.twilioPost(action, { CallSid: legSid, Digits: '1' })).text)
    expect(verbs(late)).toEqual(['Say', 'Hangup'])
    expect(await callerRow(sid)).toMatchObject({
      queue_state: 'waiting',
      answered_by_agent_id: null,
    })
    expect(
      await h.ctx.db
        .selectFrom('agents')
        .select('job_number')
        .where('presence', '=', 'busy')
        .execute(),
    ).toEqual([])
  })
})
