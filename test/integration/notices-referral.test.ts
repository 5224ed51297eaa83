import request from 'supertest'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

import { dialCallback } from '../../src/callbacks/dialer.ts'
import { callIn, legSidOf } from '../helpers/call-steps.ts'
import type { Harness } from '../helpers/harness.ts'
import { createHarness, manualClock, pathOf } from '../helpers/harness.ts'
import type { LiveCall } from '../helpers/live-call.ts'
import { liveCall, login, requestsSince } from '../helpers/live-call.ts'
import { allText, find, parseTwiml } from '../helpers/twiml.ts'

const MONDAY_10AM = new Date('2026-11-23T02:00:00Z')
const CALLER = '+8613900001234'

describe('one-time notice, external referral and department callback', () => {
  let h: Harness
  let call: LiveCall
  const clock = manualClock(MONDAY_10AM)
  beforeEach(async () => {
    clock.set(MONDAY_10AM)
    h = await createHarness({ clock })
    call = await liveCall(h, { from: CALLER })
  })
  afterEach(async () => {
    h.edge.assertAllValid()
    await h.close()
  })
  const api = () => request(h.app)
  const caseRow = () =>
    h.ctx.db
      .selectFrom('cases')
      .selectAll()
      .where('reference', '=', call.reference)
      .executeTakeFirstOrThrow()
  const events = async () =>
    (
      await h.ctx.db
        .selectFrom('case_events')
        .select('type')
        .where('case_id', '=', (await caseRow()).id)
        .orderBy('id')
        .execute()
    ).map((e) => e.type)

  it('sends one complete notice by SMS in one action and records it on the case', async () => {
    const from = h.edge.requests.length
    const r = await api()
      .post(`/api/cases/${call.reference}/notices`)
      .set(call.auth)
      .send({ item: 'access-card' })
    expect(r.status, JSON.stringify(r.body)).toBe(201)
    const sms = requestsSince(h, from, 'CreateMessage')
    expect(sms).toHaveLength(1)
    const body = String(sms[0]?.data['Body'])
    expect(sms[0]?.data['To']).toBe(CALLER)
    // Everything at once: what to bring, the steps, the time limit, and the case reference.
    for (const part of [
      call.reference,
      '业主身份证原件',
      '工本费20元',
      '当场领取新卡',
      '当场办结',
    ]) {
      expect(body).toContain(part)
    }
    const list = await api().get(`/api/cases/${call.reference}/notices`).set(call.auth)
    expect(list.body.notices).toEqual([
      expect.objectContaining({ item: 'access-card', language: 'zh-CN', body, sent: true }),
    ])
    expect(await events()).toContain('notice_sent')

    const unknown = await api()
      .post(`/api/cases/${call.reference}/notices`)
      .set(call.auth)
      .send({ item: 'no-such-item' })
    expect(unknown.status).toBe(404)
    const stranger = await api()
      .post(`/api/cases/${call.reference}/notices`)
      .set(await login(h, '1002'))
      .send({ item: 'access-card' })
    expect(stranger.status).toBe(403)
    expect(await h.ctx.db.selectFrom('case_notices').selectAll().execute()).toHaveLength(1)
  })

  it('re-sends the notice from the IVR by case reference, only to the number on the case', async () => {
    await api()
      .post(`/api/cases/${call.reference}/notices`)
      .set(call.auth)
      .send({ item: 'renovation-permit' })
    // Someone else calls, presses *, and keys in the reference's digits.
    const other = await callIn(h, { from: '+8613700009999' })
    const prompt = parseTwiml(
      (await h.twilioPost(other.action, { CallSid: other.sid, Digits: '*' })).text,
    )
    expect(allText(prompt)).toContain('12位数字')
    const action = pathOf(find(prompt, 'Gather')?.attrs['action'] ?? '')
    const from = h.edge.requests.length
    const digits = call.reference.replace(/\D/g, '')
    const done = parseTwiml(
      (await h.twilioPost(action, { CallSid: other.sid, Digits: digits })).text,
    )
    expect(allText(done)).toContain('已重新发送')
    const sms = requestsSince(h, from, 'CreateMessage')
    expect(sms.map((m) => m.data['To'])).toEqual([CALLER])
    expect(String(sms[0]?.data['Body'])).toContain('装修申报')
    expect(await events()).toContain('notice_resent')

    const wrong = await callIn(h, { from: '+8613700009999' })
    await h.twilioPost(wrong.action, { CallSid: wrong.sid, Digits: '*' })
    const none = parseTwiml(
      (await h.twilioPost(action, { CallSid: wrong.sid, Digits: '209901019999' })).text,
    )
    expect(allText(none)).toContain('没有找到')
  })

  it('refers the matter outside: tells the caller who handles it and ends the case as referred', async () => {
    const from = h.edge.requests.length
    const r = await api()
      .post(`/api/cases/${call.reference}/refer`)
      .set(call.auth)
      .send({ body: 'power-grid', note: 'city-wide outage' })
    expect(r.status, JSON.stringify(r.body)).toBe(200)
    expect(r.body.status).toBe('referred_external')
    const row = await caseRow()
    expect(row.referral).toEqual({
      name: 'State Grid 95598 国家电网',
      phone: '95598',
      note: 'city-wide outage',
    })
    const sms = requestsSince(h, from, 'CreateMessage')
    expect(String(sms[0]?.data['Body'])).toContain('95598')
    const open = await h.ctx.db
      .selectFrom('case_deadlines')
      .select('step')
      .where('case_id', '=', row.id)
      .where('outcome', '=', 'open')
      .execute()
    expect(open).toEqual([])
    expect(await events()).toContain('referred_external')
    const again = await api()
      .post(`/api/cases/${call.reference}/refer`)
      .set(call.auth)
      .send({ name: 'Someone', phone: '12345' })
    expect(again.status).toBe(409)
  })

  it('hands the case to a department as a scheduled callback when it cannot take the call live', async () => {
    const r = await api()
      .post(`/api/cases/${call.reference}/department-callback`)
      .set(call.auth)
      .send({ department: 'property-services', note: 'call the caller about the noise' })
    expect(r.status, JSON.stringify(r.body)).toBe(201)
    const row = await caseRow()
    const dept = await h.ctx.db
      .selectFrom('departments')
      .select('id')
      .where('code', '=', 'property-services')
      .executeTakeFirstOrThrow()
    expect(row).toMatchObject({ status: 'transferred', assignee_department_id: dept.id })
    expect(row.first_owner_id).not.toBeNull()
    const cb = await h.ctx.db
      .selectFrom('callbacks')
      .selectAll()
      .where('case_id', '=', row.id)
      .where('purpose', '=', 'department_callback')
      .executeTakeFirstOrThrow()
    expect(cb).toMatchObject({ status: 'pending', department_id: dept.id })
    expect(cb.deadline_at?.toISOString()).toBe(row.assignee_due_at?.toISOString())
    expect(await events()).toEqual(
      expect.arrayContaining(['assigned_to_department', 'department_callback_scheduled']),
    )
    // The job rings the department's on-duty person first, then puts the caller through.
    h.edge.requests.length = 0
    expect(await dialCallback(h.ctx, { callbackId: cb.id, attempt: 1 })).toBe('dialled')
    const ring = requestsSince(h, 0, 'CreateCall')[0]
    expect(ring?.data).toMatchObject({ To: 'client:dept-property-1', From: '+8657112345' })
    const whisper = parseTwiml(
      (await h.twilioPost(pathOf(String(ring?.data['Url'])), { CallSid: legSidOf(ring) })).text,
    )
    expect(allText(whisper)).toContain('需要由部门回电来电人')
    const dial = parseTwiml(
      (
        await h.twilioPost(pathOf(find(whisper, 'Gather')?.attrs['action'] ?? ''), {
          CallSid: legSidOf(ring),
          Digits: '1',
        })
      ).text,
    )
    expect(find(dial, 'Number')?.text).toBe(CALLER)
    await h.twilioPost(pathOf(find(dial, 'Dial')?.attrs['action'] ?? ''), {
      CallSid: legSidOf(ring),
      DialCallStatus: 'completed',
    })
    const done = await h.ctx.db
      .selectFrom('callbacks')
      .select(['status', 'outcome'])
      .where('id', '=', cb.id)
      .executeTakeFirstOrThrow()
    expect(done).toEqual({ status: 'done', outcome: 'bridged' })
    const limit = await h.ctx.db
      .selectFrom('case_deadlines')
      .select('done_at')
      .where('case_id', '=', row.id)
      .where('step', '=', 'department_answer')
      .executeTakeFirstOrThrow()
    expect(limit.done_at).not.toBeNull()

    const unknown = await api()
      .post(`/api/cases/${call.reference}/department-callback`)
      .set(call.auth)
      .send({ department: 'nowhere' })
    expect(unknown.status).toBe(404)

    // Nobody on duty when it falls due: the first owner, who stays responsible, is rung instead.
    await h.ctx.db.updateTable('department_people').set({ on_duty: false }).execute()
    await api()
      .post(`/api/cases/${call.reference}/department-callback`)
      .set(call.auth)
      .send({ department: 'property-services' })
    const again = await h.ctx.db
      .selectFrom('callbacks')
      .select('id')
      .where('case_id', '=', row.id)
      .where('status', '=', 'pending')
      .executeTakeFirstOrThrow()
    h.edge.requests.length = 0
    expect(await dialCallback(h.ctx, { callbackId: again.id, attempt: 1 })).toBe('dialled')
    expect(requestsSince(h, 0, 'CreateCall')[0]?.data['To']).toBe('client:agent-1001')
  })
})
