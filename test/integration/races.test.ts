import { afterEach, beforeEach, describe, expect, it } from 'vitest'

import { runDispatch } from '../../src/calls/dispatcher.ts'
import type { Harness } from '../helpers/harness.ts'
import { callSid, createHarness, pathOf, ZH_HOTLINE } from '../helpers/harness.ts'
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

  async function atMenu(from = '+8613500000001') {
    const sid = callSid()
    const menu = parseTwiml(
      (await h.twilioPost('/voice/incoming', { CallSid: sid, From: from, To: ZH_HOTLINE })).text,
    )
    return { sid, action: pathOf(find(menu, 'Gather')?.attrs['action'] ?? '') }
  }
  const caseCount = async () => (await h.ctx.db.selectFrom('cases').select('id').execute()).length

  it('opens one case when the same menu choice is posted twice at once', async () => {
    const { sid, action } = await atMenu()
    const [a, b] = await Promise.all([
      h.twilioPost(action, { CallSid: sid, Digits: '1' }),
      h.twilioPost(action, { CallSid: sid, Digits: '1' }),
    ])
    expect(verbs(parseTwiml(a.text))).toEqual(['Say', 'Dial', 'Dial>Conference'])
    expect(verbs(parseTwiml(b.text))).toEqual(['Say', 'Dial', 'Dial>Conference'])
    expect(await caseCount()).toBe(1)
  })

  it('opens no case when the choice arrives after the caller hung up', async () => {
    const { sid, action } = await atMenu()
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
    const { sid, action } = await atMenu()
    await h.twilioPost(action, { CallSid: sid, Digits: '1' })
    await runDispatch(h.ctx)
    const first = h.edge.requests.find((r) => r.operationId === 'CreateCall')
    const legSid = String((first?.answer as { body: { sid: string } }).body.sid)
    const w = parseTwiml(
      (await h.twilioPost(pathOf(String(first?.data['Url'])), { CallSid: legSid })).text,
    )
    await h.twilioPost(pathOf(find(w, 'Gather')?.attrs['action'] ?? ''), {
      CallSid: legSid,
      Digits: '1',
    })
    await runDispatch(h.ctx) // the pass the claim triggers: the other legs are cancelled
    // The agent's line drops before Twilio puts them in the conference.
    await h.twilioPost(pathOf(String(first?.data['StatusCallback'])), {
      CallSid: legSid,
      CallStatus: 'completed',
      SequenceNumber: '3',
      CallDuration: '3',
    })

    const call = await h.ctx.db
      .selectFrom('calls')
      .selectAll()
      .where('call_sid', '=', sid)
      .executeTakeFirstOrThrow()
    expect(call).toMatchObject({ queue_state: 'waiting', answered_by_agent_id: null })
    const agent = await h.ctx.db
      .selectFrom('agents')
      .select('presence')
      .where('job_number', '=', String(first?.data['To']).replace('client:agent-', ''))
      .executeTakeFirstOrThrow()
    expect(agent.presence).toBe('available')
    const types = (
      await h.ctx.db.selectFrom('case_events').select('type').orderBy('id').execute()
    ).map((e) => e.type)
    expect(types).toContain('agent_dropped')

    // The next pass rings agents again for the caller who is still holding.
    h.edge.requests.length = 0
    await runDispatch(h.ctx)
    expect(h.edge.requests.some((r) => r.operationId === 'CreateCall')).toBe(true)
  })

  it('keeps the connection when the agent joined the conference before the call ended', async () => {
    const { sid, action } = await atMenu()
    await h.twilioPost(action, { CallSid: sid, Digits: '1' })
    await runDispatch(h.ctx)
    const first = h.edge.requests.find((r) => r.operationId === 'CreateCall')
    const legSid = String((first?.answer as { body: { sid: string } }).body.sid)
    const w = parseTwiml(
      (await h.twilioPost(pathOf(String(first?.data['Url'])), { CallSid: legSid })).text,
    )
    const joined = parseTwiml(
      (
        await h.twilioPost(pathOf(find(w, 'Gather')?.attrs['action'] ?? ''), {
          CallSid: legSid,
          Digits: '1',
        })
      ).text,
    )
    const confStatus = pathOf(find(joined, 'Conference')?.attrs['statusCallback'] ?? '')
    await h.twilioPost(confStatus, {
      ConferenceSid: `CF${'c'.repeat(32)}`,
      FriendlyName: `call-${sid}`,
      StatusCallbackEvent: 'participant-join',
      SequenceNumber: '2',
      CallSid: legSid,
    })
    await h.twilioPost(pathOf(String(first?.data['StatusCallback'])), {
      CallSid: legSid,
      CallStatus: 'completed',
      SequenceNumber: '3',
      CallDuration: '300',
    })
    const call = await h.ctx.db
      .selectFrom('calls')
      .selectAll()
      .where('call_sid', '=', sid)
      .executeTakeFirstOrThrow()
    expect(call.queue_state).toBe('connected')
  })

  it('tells an agent whose ring already timed out that the call went elsewhere', async () => {
    const { sid, action } = await atMenu()
    await h.twilioPost(action, { CallSid: sid, Digits: '1' })
    await runDispatch(h.ctx)
    const first = h.edge.requests.find((r) => r.operationId === 'CreateCall')
    const legSid = String((first?.answer as { body: { sid: string } }).body.sid)
    const w = parseTwiml(
      (await h.twilioPost(pathOf(String(first?.data['Url'])), { CallSid: legSid })).text,
    )
    // Twilio reports the leg over (the agent hung up at the whisper), then the key press lands.
    await h.twilioPost(pathOf(String(first?.data['StatusCallback'])), {
      CallSid: legSid,
      CallStatus: 'completed',
      SequenceNumber: '3',
    })
    const late = parseTwiml(
      (
        await h.twilioPost(pathOf(find(w, 'Gather')?.attrs['action'] ?? ''), {
          CallSid: legSid,
          Digits: '1',
        })
      ).text,
    )
    expect(verbs(late)).toEqual(['Say', 'Hangup'])
    const call = await h.ctx.db
      .selectFrom('calls')
      .selectAll()
      .where('call_sid', '=', sid)
      .executeTakeFirstOrThrow()
    expect(call).toMatchObject({ queue_state: 'waiting', answered_by_agent_id: null })
    const busy = await h.ctx.db
      .selectFrom('agents')
      .select('job_number')
      .where('presence', '=', 'busy')
      .execute()
    expect(busy).toEqual([])
  })
})
