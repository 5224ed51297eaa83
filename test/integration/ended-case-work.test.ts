import request from 'supertest'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

import type { Harness } from '../helpers/harness.ts'
import { createHarness, manualClock, ZH_HOTLINE } from '../helpers/harness.ts'
import type { LiveCall } from '../helpers/live-call.ts'
import { liveCall, login } from '../helpers/live-call.ts'

const MONDAY_10AM = new Date('2026-11-23T02:00:00Z')
const CALLER = '+8613900001234'

/** Everything a work action could leave behind; an ended case must leave all of it unchanged. */
const TRACES = [
  'case_events',
  'sms_messages',
  'callbacks',
  'transfers',
  'case_notices',
  'notifications',
  'decline_requests',
  'case_deadlines',
  'escalations',
  'extension_requests',
] as const

describe('an ended case refuses work (issue 10 point 8)', () => {
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
  const path = (suffix: string) => `/api/cases/${call.reference}${suffix}`
  const caseRow = () =>
    h.ctx.db
      .selectFrom('cases')
      .selectAll()
      .where('reference', '=', call.reference)
      .executeTakeFirstOrThrow()
  const traces = async () => {
    const counts: Record<string, unknown> = {}
    for (const t of TRACES) {
      counts[t] = await h.ctx.db
        .selectFrom(t)
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow()
        .then((r) => r.n)
    }
    return { counts, kase: await caseRow() }
  }

  /** Work done, then the caller's "1" by SMS closes the case while they are still on the line. */
  async function closeWhileLive(): Promise<void> {
    const done = await api()
      .post(path('/work-done'))
      .set(call.auth)
      .send({ summary: 'Replaced the kitchen tap washer' })
    expect(done.status).toBe(202)
    await h
      .twilioPost('/sms/incoming', {
        MessageSid: `SM${'a'.repeat(32)}`,
        From: CALLER,
        To: ZH_HOTLINE,
        Body: '1',
      })
      .expect(200)
    expect((await caseRow()).status).toBe('closed')
  }

  it('answers 409 to every work action on a closed case and changes nothing', async () => {
    await closeWhileLive()
    const sup = await login(h, '2001')
    const before = await traces()
    const edgeBefore = h.edge.requests.length
    const actions: [string, string, object][] = [
      ['transfer (warm)', '/transfers', { department: 'engineering', note: 'Send a plumber' }],
      ['transfer (cold)', '/transfers', { department: 'engineering', mode: 'cold' }],
      ['department callback', '/department-callback', { department: 'engineering' }],
      ['notice', '/notices', { item: 'access-card' }],
      ['promise', '/promise', { replyBy: '2026-11-23T06:00:00Z' }],
      ['work done', '/work-done', { summary: 'Replaced it again' }],
      ['referral', '/refer', { name: 'Water company', phone: '96390' }],
      ['decline request', '/decline', { reason: 'Not ours to do, the caller was told so.' }],
      ['escalation', '/escalations', { question: 'May we waive the fee?' }],
      [
        'extension request',
        '/extension-requests',
        { step: 'resolution', newDueAt: '2026-11-30T02:00:00Z', reason: 'Parts on order' },
      ],
    ]
    for (const [what, suffix, body] of actions) {
      for (const who of [call.auth, sup]) {
        const r = await api().post(path(suffix)).set(who).send(body)
        expect(r.status, `${what}: ${JSON.stringify(r.body)}`).toBe(409)
        expect(r.body.error.message, what).toContain(`case ${call.reference} is closed`)
        expect(r.body.error.message, what).toContain('Add a note')
      }
    }
    const patched = await api().patch(path('')).set(call.auth).send({ place: 'Block 3, room 402' })
    expect(patched.status).toBe(409)

    expect(h.edge.requests.slice(edgeBefore), 'no call, no SMS, no participant change').toEqual([])
    expect(await traces()).toEqual(before)

    // Notes stay allowed: they are the record.
    const note = await api()
      .post(path('/notes'))
      .set(call.auth)
      .send({ text: 'Caller rang back to say thanks.' })
    expect(note.status).toBe(201)
  })

  it('refuses work on a referred case, saying how the case ended', async () => {
    const referred = await api()
      .post(path('/refer'))
      .set(call.auth)
      .send({ name: 'Water company', phone: '96390' })
    expect(referred.status).toBe(200)
    const edgeBefore = h.edge.requests.length
    const before = await traces()
    const r = await api()
      .post(path('/transfers'))
      .set(call.auth)
      .send({ department: 'engineering' })
    expect(r.status).toBe(409)
    expect(r.body.error.message).toContain('referred to an outside body')
    expect(h.edge.requests.slice(edgeBefore)).toEqual([])
    expect(await traces()).toEqual(before)
  })

  it('refuses work on a declined case', async () => {
    const reason = 'The caller asks us to evict a tenant; not ours to do.'
    expect((await api().post(path('/decline')).set(call.auth).send({ reason })).status).toBe(202)
    const manager = await login(h, '3001')
    expect((await api().post(path('/decline/approve')).set(manager).send({})).status).toBe(200)
    const edgeBefore = h.edge.requests.length
    const before = await traces()
    const p = await api()
      .post(path('/promise'))
      .set(call.auth)
      .send({ replyBy: '2026-11-23T06:00:00Z' })
    expect(p.status).toBe(409)
    expect(p.body.error.message).toContain('declined (the rejection file)')
    const t = await api().post(path('/transfers')).set(manager).send({ department: 'engineering' })
    expect(t.status).toBe(409)
    expect(h.edge.requests.slice(edgeBefore)).toEqual([])
    expect(await traces()).toEqual(before)
  })
})
