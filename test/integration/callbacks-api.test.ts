import request from 'supertest'
import twilio from 'twilio'
import { afterEach, describe, expect, it } from 'vitest'

import { dialCallback } from '../../src/callbacks/dialer.ts'
import { SMS_REPLIES } from '../../src/callbacks/sms-verdict.ts'
import { DEMO_PASSWORD } from '../../src/db/demo-data.ts'
import { createdCalls, legSidOf } from '../helpers/call-steps.ts'
import { caseAwaitingConfirmation } from '../helpers/case-steps.ts'
import type { Harness } from '../helpers/harness.ts'
import { createHarness, manualClock, PUBLIC_BASE_URL } from '../helpers/harness.ts'
import { pathOf } from '../helpers/harness.ts'
import { find, parseTwiml } from '../helpers/twiml.ts'

describe('closing a case without a confirmation call', () => {
  let h: Harness
  const clock = manualClock(new Date('2026-11-23T02:00:00Z'))
  afterEach(async () => {
    await h.close()
  })

  async function login(job: string) {
    const r = await request(h.app)
      .post('/api/auth/login')
      .send({ jobNumber: job, password: DEMO_PASSWORD })
    return { Authorization: `Bearer ${r.body.token as string}` }
  }

  /** Every attempt rings out: the callback is exhausted and the SMS has gone. */
  async function exhausted() {
    h = await createHarness({ clock, env: { CALLBACK_MAX_ATTEMPTS: '1' } })
    const c = await caseAwaitingConfirmation(h)
    clock.set(c.dueAt)
    await dialCallback(h.ctx, { callbackId: c.callbackId, attempt: 1 })
    const create = createdCalls(h).at(-1)
    await h.twilioPost(pathOf(String(create?.data['StatusCallback'])), {
      CallSid: legSidOf(create),
      CallStatus: 'busy',
      SequenceNumber: '2',
    })
    return c
  }

  function sms(from: string, body: string, sid = `SM${'f'.repeat(32)}`) {
    const params = { MessageSid: sid, From: from, To: '+8657112345', Body: body }
    const sig = twilio.getExpectedTwilioSignature(
      h.config.twilio.authToken,
      `${PUBLIC_BASE_URL}/sms/incoming`,
      params,
    )
    return request(h.app)
      .post('/sms/incoming')
      .type('form')
      .set('X-Twilio-Signature', sig)
      .send(params)
  }

  it('lets the caller close it by answering the SMS with 1, once', async () => {
    const c = await exhausted()
    const r = await sms('+8613800007777', '1')
    expect(r.status).toBe(200)
    expect(r.text).toContain('<Message>')
    const kase = await h.ctx.db
      .selectFrom('cases')
      .select(['status', 'closed_by', 'closed_via'])
      .where('id', '=', c.caseId)
      .executeTakeFirstOrThrow()
    // By SMS: shown apart from the return calls in 回访率.
    expect(kase).toEqual({ status: 'closed', closed_by: 'caller', closed_via: 'sms' })
    expect(find(parseTwiml(r.text), 'Message')?.text).toBe(SMS_REPLIES.closed)
    // Twilio retries the same message: the same reply, and nothing more happens.
    const retry = await sms('+8613800007777', '1')
    expect(retry.status).toBe(200)
    expect(find(parseTwiml(retry.text), 'Message')?.text).toBe(SMS_REPLIES.closed)
    const events = await h.ctx.db
      .selectFrom('case_events')
      .select('type')
      .where('type', '=', 'case_closed_by_caller')
      .execute()
    expect(events).toHaveLength(1)
    const rows = await h.ctx.db
      .selectFrom('sms_messages')
      .select('reply_outcome')
      .where('direction', '=', 'inbound')
      .execute()
    expect(rows).toEqual([{ reply_outcome: 'closed' }])
  })

  it('answers two deliveries of one SMS arriving together alike, acting once', async () => {
    const c = await exhausted()
    const sid = `SM${'c'.repeat(32)}`
    const both = await Promise.all([
      sms('+8613800007777', '2', sid),
      sms('+8613800007777', '2', sid),
    ])
    expect(both.map((r) => find(parseTwiml(r.text), 'Message')?.text)).toEqual([
      SMS_REPLIES.reopened,
      SMS_REPLIES.reopened,
    ])
    const kase = await h.ctx.db
      .selectFrom('cases')
      .select(['status', 'rework_count'])
      .where('id', '=', c.caseId)
      .executeTakeFirstOrThrow()
    expect(kase).toEqual({ status: 'in_progress', rework_count: 1 })
  })

  it('reopens on an SMS 2 and ignores an unsigned one', async () => {
    const c = await exhausted()
    const unsigned = await request(h.app)
      .post('/sms/incoming')
      .type('form')
      .send({
        MessageSid: `SM${'e'.repeat(32)}`,
        From: '+8613800007777',
        To: '+8657112345',
        Body: '1',
      })
    expect(unsigned.status).toBe(403)
    // A stray NUL in the text is cleaned off: "2\0" is still the caller's "2".
    await sms('+8613800007777', '2\u0000', `SM${'d'.repeat(32)}`)
    const kase = await h.ctx.db
      .selectFrom('cases')
      .select(['status', 'rework_count'])
      .where('id', '=', c.caseId)
      .executeTakeFirstOrThrow()
    expect(kase).toEqual({ status: 'in_progress', rework_count: 1 })
  })

  it('lets a supervisor close it with a reason once the calls ran out, and nobody else', async () => {
    const c = await exhausted()
    const agent = await login('1001')
    const sup = await login('2001')
    const denied = await request(h.app)
      .post(`/api/cases/${c.reference}/close-override`)
      .set(agent)
      .send({ reason: 'caller unreachable for days' })
    expect(denied.status).toBe(403)
    const vague = await request(h.app)
      .post(`/api/cases/${c.reference}/close-override`)
      .set(sup)
      .send({ reason: 'meh' })
    expect(vague.status).toBe(400)
    const ok = await request(h.app)
      .post(`/api/cases/${c.reference}/close-override`)
      .set(sup)
      .send({ reason: 'Five calls and an SMS unanswered; work verified on site.' })
    expect(ok.status).toBe(200)
    const kase = await h.ctx.db
      .selectFrom('cases')
      .select(['status', 'closed_by', 'override_reason'])
      .where('id', '=', c.caseId)
      .executeTakeFirstOrThrow()
    expect(kase).toMatchObject({ status: 'closed', closed_by: 'supervisor_override' })
    const notes = await request(h.app).get('/api/notifications').set(sup)
    expect(notes.body.notifications[0].kind).toBe('callback_exhausted')
  })

  it('refuses an override while the caller can still be reached, and a work-done on a closed case', async () => {
    h = await createHarness({ clock })
    const c = await caseAwaitingConfirmation(h)
    const sup = await login('2001')
    const early = await request(h.app)
      .post(`/api/cases/${c.reference}/close-override`)
      .set(sup)
      .send({ reason: 'I would like to close this now please' })
    expect(early.status).toBe(409)
    const again = await request(h.app)
      .post(`/api/cases/${c.reference}/work-done`)
      .set(await login('1001'))
      .send({ summary: 'done again' })
    expect(again.status).toBe(409)
    expect(again.body.error.message).toContain('awaiting_confirmation')
  })

  it('reports work done through the API, scheduling the call 2 minutes later', async () => {
    h = await createHarness({ clock })
    const c = await caseAwaitingConfirmation(h)
    // A second case to mark done through the API itself.
    await h.ctx.db
      .updateTable('cases')
      .set({ status: 'in_progress' })
      .where('id', '=', c.caseId)
      .execute()
    await h.ctx.db.updateTable('callbacks').set({ status: 'cancelled' }).execute()
    const r = await request(h.app)
      .post(`/api/cases/${c.reference}/work-done`)
      .set(await login('1001'))
      .send({ summary: 'Tap replaced' })
    expect(r.status).toBe(202)
    expect(new Date(r.body.confirmationCallAt as string).getTime() - clock.now().getTime()).toBe(
      120_000,
    )
    const other = await request(h.app)
      .post(`/api/cases/${c.reference}/work-done`)
      .set(await login('1002'))
      .send({ summary: 'x'.repeat(5) })
    expect(other.status).toBe(403)
  })
})
