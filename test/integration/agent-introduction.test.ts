import { randomBytes } from 'node:crypto'

import request from 'supertest'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

import { runDispatch } from '../../src/calls/dispatcher.ts'
import { setPromptOverrides } from '../../src/domain/prompts.ts'
import { answerAndPress, createdCalls, legSidOf, queuedCall } from '../helpers/call-steps.ts'
import type { Harness } from '../helpers/harness.ts'
import { createHarness, pathOf } from '../helpers/harness.ts'
import { login, requestsSince } from '../helpers/live-call.ts'
import { allText, find, parseTwiml, verbs } from '../helpers/twiml.ts'

describe('the caller hears who answered (issue 10 point 11)', () => {
  let h: Harness
  beforeEach(async () => {
    h = await createHarness()
    await h.ctx.db
      .updateTable('agents')
      .set({ presence: 'away' })
      .where('job_number', '!=', '1001')
      .execute()
  })
  afterEach(async () => {
    setPromptOverrides({})
    h.edge.assertAllValid()
    await h.close()
  })

  /** A caller waiting in their conference (Twilio has reported them joining it), rung to 1001. */
  async function waitingCaller() {
    const callerSid = await queuedCall(h, '1', '+8613900001234')
    const conferenceSid = `CF${randomBytes(16).toString('hex')}`
    await h.twilioPost('/voice/conference-status', {
      ConferenceSid: conferenceSid,
      FriendlyName: `call-${callerSid}`,
      StatusCallbackEvent: 'participant-join',
      SequenceNumber: '1',
      CallSid: callerSid,
    })
    await runDispatch(h.ctx)
    const offer = createdCalls(h).find((c) => c.data['To'] === 'client:agent-1001')
    return { callerSid, conferenceSid, offer }
  }

  it('announces the agent’s job number to the waiting caller before the agent joins', async () => {
    const { callerSid, conferenceSid, offer } = await waitingCaller()
    const from = h.edge.requests.length
    const agentHears = await answerAndPress(h, offer)

    // Asked for before the agent's TwiML was returned: the agent first hears "connected", then
    // joins, so the caller hears the job number before the two are bridged.
    const announced = requestsSince(h, from, 'UpdateParticipant')
    expect(announced.map((r) => ({ ...r.pathParams, ...r.data }))).toEqual([
      expect.objectContaining({
        ConferenceSid: conferenceSid,
        CallSid: callerSid,
        AnnounceUrl: expect.stringContaining('/voice/agent/introduction?offer=') as string,
        AnnounceMethod: 'POST',
      }),
    ])
    expect(verbs(agentHears)).toEqual(['Say', 'Dial', 'Dial>Conference'])

    const url = pathOf(String(announced[0]?.data['AnnounceUrl']))
    const said = parseTwiml((await h.twilioPost(url, { CallSid: callerSid })).text)
    expect(verbs(said)).toEqual(['Say'])
    expect(find(said, 'Say')?.attrs['language']).toBe('zh-CN')
    expect(allText(said).trim()).toBe('您好，1 0 0 1 号客服为您服务。')

    // Twilio retrying the winner's webhook gets the same TwiML and no second announcement.
    const again = h.edge.requests.length
    await h.twilioPost(pathOf(String(offer?.data['Url'])).replace('answer', 'accept'), {
      CallSid: legSidOf(offer),
      Digits: '1',
    })
    expect(requestsSince(h, again, 'UpdateParticipant')).toEqual([])
  })

  it('uses the wording an administrator gives, in each language, and insists on the job number', async () => {
    const admin = await login(h, '9001')
    const bad = await request(h.app)
      .put('/api/admin/prompts/en-US/agentIntroduction')
      .set(admin)
      .send({ text: 'Hello, an agent will help you.' })
    expect(bad.status).toBe(400)
    expect(bad.body.error.message).toContain('{jobNumber}')
    const put = await request(h.app)
      .put('/api/admin/prompts/zh-CN/agentIntroduction')
      .set(admin)
      .send({ text: '工号 {jobNumber} 为您服务。' })
    expect(put.status).toBe(200)
    expect(put.body.prompts).toContainEqual({
      language: 'en-US',
      key: 'agentIntroduction',
      default: 'Hello, you are through to agent number {jobNumber}.',
      text: null,
    })

    const { callerSid, offer } = await waitingCaller()
    const from = h.edge.requests.length
    await answerAndPress(h, offer)
    const url = pathOf(String(requestsSince(h, from, 'UpdateParticipant')[0]?.data['AnnounceUrl']))
    const said = parseTwiml((await h.twilioPost(url, { CallSid: callerSid })).text)
    expect(allText(said).trim()).toBe('工号 1 0 0 1 为您服务。')
  })

  it('still connects, unannounced, when the caller is not yet seen in a conference', async () => {
    const callerSid = await queuedCall(h, '1', '+8613900001234')
    await runDispatch(h.ctx)
    const offer = createdCalls(h).find((c) => c.data['To'] === 'client:agent-1001')
    const from = h.edge.requests.length
    const agentHears = await answerAndPress(h, offer)
    expect(find(agentHears, 'Conference')?.text).toBe(`call-${callerSid}`)
    expect(requestsSince(h, from, 'UpdateParticipant')).toEqual([])
  })

  it('answers an unknown offer’s announcement with silence', async () => {
    const res = await h.twilioPost(
      `/voice/agent/introduction?offer=${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}`,
      { CallSid: `CA${'0'.repeat(32)}` },
    )
    expect(res.status).toBe(200)
    expect(verbs(parseTwiml(res.text))).toEqual([])
  })
})
