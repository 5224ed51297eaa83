import { afterEach, beforeEach, describe, expect, it } from 'vitest'

import { runDispatch } from '../../src/calls/dispatcher.ts'
import { spell } from '../../src/domain/prompts.ts'
import type { Harness } from '../helpers/harness.ts'
import { callSid, createHarness, EN_HOTLINE, pathOf, ZH_HOTLINE } from '../helpers/harness.ts'
import { allText, find, parseTwiml, verbs } from '../helpers/twiml.ts'

const CALLER = '+8613800001111'

describe('an inbound call from ring to first owner', () => {
  let h: Harness
  beforeEach(async () => {
    h = await createHarness()
  })
  afterEach(async () => {
    h.edge.assertAllValid()
    await h.close()
  })

  async function callAndChoose(sid: string, key: string, hotline = ZH_HOTLINE) {
    const incoming = await h.twilioPost('/voice/incoming', {
      CallSid: sid,
      From: CALLER,
      To: hotline,
      CallerName: 'WANG XIAOMING',
      FromCity: 'HANGZHOU',
      FromState: 'ZJ',
      FromCountry: 'CN',
      CallStatus: 'ringing',
      Direction: 'inbound',
    })
    expect(incoming.status).toBe(200)
    const menu = parseTwiml(incoming.text)
    const gather = find(menu, 'Gather')
    expect(gather?.attrs['numDigits']).toBe('1')
    const chosen = await h.twilioPost(pathOf(gather?.attrs['action'] ?? ''), {
      CallSid: sid,
      Digits: key,
    })
    expect(chosen.status).toBe(200)
    return { menu, chosen: parseTwiml(chosen.text) }
  }

  it('greets in the hotline language, logs the caller and queues them in a conference', async () => {
    const sid = callSid()
    const { menu, chosen } = await callAndChoose(sid, '1')
    expect(verbs(menu)).toEqual([
      'Gather',
      'Gather>Say',
      'Gather>Say',
      'Gather>Say',
      'Gather>Say',
      'Redirect',
    ])
    expect(find(menu, 'Say')?.attrs['language']).toBe('zh-CN')
    expect(allText(menu)).toContain('报修请按 1')
    expect(allText(menu)).toContain('星号键') // a one-time notice can be re-sent from here

    expect(verbs(chosen)).toEqual(['Say', 'Dial', 'Dial>Conference'])
    const conf = find(chosen, 'Conference')
    expect(conf?.attrs).toMatchObject({
      startConferenceOnEnter: 'false',
      endConferenceOnExit: 'true',
    })
    expect(conf?.attrs['waitUrl']).toContain('/voice/hold')

    const caller = await h.ctx.db
      .selectFrom('callers')
      .selectAll()
      .where('phone_number', '=', CALLER)
      .executeTakeFirstOrThrow()
    expect(caller).toMatchObject({ name: 'WANG XIAOMING', city: 'HANGZHOU', country: 'CN' })
    const call = await h.ctx.db
      .selectFrom('calls')
      .selectAll()
      .where('call_sid', '=', sid)
      .executeTakeFirstOrThrow()
    expect(call).toMatchObject({
      queue_state: 'waiting',
      digits: ['category:1'],
      language: 'zh-CN',
    })
    const kase = await h.ctx.db
      .selectFrom('cases')
      .innerJoin('categories', 'categories.id', 'cases.category_id')
      .select(['reference', 'categories.code', 'first_owner_id', 'status'])
      .where('cases.id', '=', call.case_id ?? '0')
      .executeTakeFirstOrThrow()
    expect(kase.reference).toMatch(/^HL-2026\d{4}-0001$/)
    expect(kase).toMatchObject({ code: 'repair', first_owner_id: null, status: 'open' })
  })

  it('rings a wave of available agents, and the first to press 1 becomes first owner', async () => {
    const sid = callSid()
    await callAndChoose(sid, '1')
    const result = await runDispatch(h.ctx)
    expect(result.dialled).toBe(3)
    const creates = h.edge.requests.filter((r) => r.operationId === 'CreateCall')
    expect(creates.map((r) => r.data['To']).sort()).toEqual([
      'client:agent-1001',
      'client:agent-1002',
      'client:agent-1003',
    ])
    expect(creates.every((r) => r.data['Timeout'] === '16' && r.data['From'] === ZH_HOTLINE)).toBe(
      true,
    )

    const [first, second] = creates
    const whisper = parseTwiml(
      (await h.twilioPost(pathOf(String(first?.data['Url'])), { CallSid: callSid(), Digits: '' }))
        .text,
    )
    expect(verbs(whisper)).toEqual(['Gather', 'Gather>Say', 'Redirect'])
    expect(allText(whisper)).toMatch(/工单 H L - 2 0 2 6/)

    const accept = parseTwiml(
      (
        await h.twilioPost(pathOf(find(whisper, 'Gather')?.attrs['action'] ?? ''), {
          CallSid: callSid(),
          Digits: '1',
        })
      ).text,
    )
    expect(verbs(accept)).toEqual(['Say', 'Dial', 'Dial>Conference'])
    expect(find(accept, 'Conference')?.text).toBe(`call-${sid}`)

    // The second agent answers a moment later: told it was taken, and released.
    const late = parseTwiml(
      (await h.twilioPost(pathOf(String(second?.data['Url'])), { CallSid: callSid() })).text,
    )
    expect(verbs(late)).toEqual(['Say', 'Hangup'])
    expect(allText(late)).toContain('其他同事')

    const owner = await h.ctx.db
      .selectFrom('cases')
      .innerJoin('agents', 'agents.id', 'cases.first_owner_id')
      .select(['agents.job_number', 'cases.assignee_agent_id', 'cases.first_owner_id'])
      .executeTakeFirstOrThrow()
    expect(owner.job_number).toBe(String(first?.data['To']).replace('client:agent-', ''))
    const events = await h.ctx.db
      .selectFrom('case_events')
      .select(['type', 'actor_kind', 'first_owner_id'])
      .orderBy('id')
      .execute()
    expect(events.map((e) => e.type)).toEqual(['case_opened', 'call_queued', 'first_owner_claimed'])
    expect(events[2]?.first_owner_id).toBe(owner.first_owner_id)

    // The next pass cancels the legs still ringing.
    h.edge.requests.length = 0
    const after = await runDispatch(h.ctx)
    // The second agent was released when they answered; only the third is still ringing.
    expect(after.released).toBe(1)
    const cancels = h.edge.requests.filter((r) => r.operationId === 'UpdateCall')
    expect(cancels).toHaveLength(1)
    expect(cancels[0]?.data['Status']).toBe('canceled')
  })

  it('speaks English on the English hotline and switches language on 9', async () => {
    const sid = callSid()
    const incoming = parseTwiml(
      (await h.twilioPost('/voice/incoming', { CallSid: sid, From: CALLER, To: EN_HOTLINE })).text,
    )
    expect(find(incoming, 'Say')?.attrs['language']).toBe('en-US')
    const switched = parseTwiml(
      (
        await h.twilioPost(pathOf(find(incoming, 'Gather')?.attrs['action'] ?? ''), {
          CallSid: sid,
          Digits: '9',
        })
      ).text,
    )
    expect(find(switched, 'Say')?.attrs['language']).toBe('zh-CN')
  })

  it('tells a caller with an open case its reference and rings the first owner alone first', async () => {
    const first = callSid()
    await callAndChoose(first, '2')
    await runDispatch(h.ctx)
    const offer = h.edge.requests.find(
      (r) => r.operationId === 'CreateCall' && r.data['To'] === 'client:agent-1002',
    )
    const w = parseTwiml(
      (await h.twilioPost(pathOf(String(offer?.data['Url'])), { CallSid: callSid() })).text,
    )
    await h.twilioPost(pathOf(find(w, 'Gather')?.attrs['action'] ?? ''), {
      CallSid: callSid(),
      Digits: '1',
    })
    await h.twilioPost('/voice/status', {
      CallSid: first,
      CallStatus: 'completed',
      CallDuration: '60',
    })
    await runDispatch(h.ctx)
    await h.ctx.db.updateTable('agents').set({ presence: 'available' }).execute()

    h.edge.requests.length = 0
    const again = callSid()
    const incoming = parseTwiml(
      (await h.twilioPost('/voice/incoming', { CallSid: again, From: CALLER, To: ZH_HOTLINE }))
        .text,
    )
    expect(allText(incoming)).toMatch(/您的工单 H L - 2 0 2 6 .* 正在办理中/)
    expect(allText(incoming)).toContain('1 0 0 2 号客服')
    await h.twilioPost(pathOf(find(incoming, 'Gather')?.attrs['action'] ?? ''), {
      CallSid: again,
      Digits: '1',
    })
    await runDispatch(h.ctx)
    const creates = h.edge.requests.filter((r) => r.operationId === 'CreateCall')
    expect(creates.map((r) => r.data['To'])).toEqual(['client:agent-1002'])
    const cases = await h.ctx.db.selectFrom('cases').select('id').execute()
    expect(cases).toHaveLength(1)
  })

  it("tells the agent at the whisper of the caller's other open cases, not of this one", async () => {
    const first = callSid()
    await callAndChoose(first, '2')
    const [firstCase] = await h.ctx.db.selectFrom('cases').select('reference').execute()
    await h.twilioPost('/voice/status', { CallSid: first, CallStatus: 'completed' })
    await h.ctx.db.updateTable('calls').set({ queue_state: 'abandoned' }).execute()

    // The same caller, a new matter: 2 at the open-case menu, then a category.
    h.edge.requests.length = 0
    const again = callSid()
    const incoming = parseTwiml(
      (await h.twilioPost('/voice/incoming', { CallSid: again, From: CALLER, To: ZH_HOTLINE }))
        .text,
    )
    const categories = parseTwiml(
      (
        await h.twilioPost(pathOf(find(incoming, 'Gather')?.attrs['action'] ?? ''), {
          CallSid: again,
          Digits: '2',
        })
      ).text,
    )
    await h.twilioPost(pathOf(find(categories, 'Gather')?.attrs['action'] ?? ''), {
      CallSid: again,
      Digits: '2',
    })
    await runDispatch(h.ctx)
    const offer = h.edge.requests.find((r) => r.operationId === 'CreateCall')
    const whisper = allText(
      parseTwiml(
        (await h.twilioPost(pathOf(String(offer?.data['Url'])), { CallSid: callSid() })).text,
      ),
    )
    const cases = await h.ctx.db.selectFrom('cases').select('reference').execute()
    expect(cases).toHaveLength(2)
    const secondCase = cases.find((c) => c.reference !== firstCase?.reference)
    expect(whisper).toContain(`来电人有 1 个未结工单：${spell(firstCase?.reference ?? '')}`)
    expect(whisper).toContain(`工单 ${spell(secondCase?.reference ?? '')}`)
    expect(whisper.split(spell(secondCase?.reference ?? '')).length).toBe(2)
  })

  it('does not treat two callers with withheld numbers as one person', async () => {
    const first = callSid()
    const m1 = parseTwiml(
      (
        await h.twilioPost('/voice/incoming', {
          CallSid: first,
          From: '+266696687',
          To: ZH_HOTLINE,
        })
      ).text,
    )
    await h.twilioPost(pathOf(find(m1, 'Gather')?.attrs['action'] ?? ''), {
      CallSid: first,
      Digits: '1',
    })
    const second = parseTwiml(
      (
        await h.twilioPost('/voice/incoming', {
          CallSid: callSid(),
          From: '+266696687',
          To: ZH_HOTLINE,
        })
      ).text,
    )
    expect(allText(second)).not.toContain('正在办理中')
    expect(await h.ctx.db.selectFrom('callers').selectAll().execute()).toHaveLength(0)
    const call = await h.ctx.db
      .selectFrom('calls')
      .select(['caller_id', 'from_number'])
      .where('call_sid', '=', first)
      .executeTakeFirstOrThrow()
    expect(call).toEqual({ caller_id: null, from_number: '+266696687' })
  })

  it('still tells a caller who left no message their case reference', async () => {
    await h.ctx.db.updateTable('agents').set({ presence: 'away' }).execute()
    const sid = callSid()
    const { chosen } = await callAndChoose(sid, '3')
    expect(verbs(chosen)).toEqual(['Say', 'Record', 'Redirect'])
    // Twilio skips the Record action on an empty recording and follows the Redirect.
    const done = parseTwiml(
      (await h.twilioPost(pathOf(find(chosen, 'Redirect')?.text ?? ''), { CallSid: sid })).text,
    )
    expect(verbs(done)).toEqual(['Say', 'Hangup'])
    expect(allText(done)).toMatch(/我们已为您登记工单 H L/)
    const hungUp = await h.twilioPost(pathOf(find(chosen, 'Record')?.attrs['action'] ?? ''), {
      CallSid: sid,
      Digits: 'hangup',
      RecordingUrl: 'https://api.twilio.com/x',
    })
    expect(hungUp.headers['x-shouwen-error']).toBeUndefined()
  })

  it('queues an emergency even with nobody available, and rings the duty supervisor', async () => {
    await h.ctx.db.updateTable('agents').set({ presence: 'away' }).execute()
    const sid = callSid()
    const { chosen } = await callAndChoose(sid, '0')
    expect(verbs(chosen)).toEqual(['Say', 'Dial', 'Dial>Conference'])
    await runDispatch(h.ctx)
    const creates = h.edge.requests.filter((r) => r.operationId === 'CreateCall')
    expect(creates.map((r) => r.data['To'])).toEqual(['client:agent-2001'])
    const kase = await h.ctx.db
      .selectFrom('cases')
      .innerJoin('categories', 'categories.id', 'cases.category_id')
      .select(['urgency', 'categories.code'])
      .executeTakeFirstOrThrow()
    expect(kase).toEqual({ urgency: 'emergency', code: 'emergency' })
  })
})
