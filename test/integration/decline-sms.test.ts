import request from 'supertest'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

import type { Harness } from '../helpers/harness.ts'
import { createHarness, manualClock, ZH_HOTLINE } from '../helpers/harness.ts'
import { liveCall, login, requestsSince } from '../helpers/live-call.ts'

const CALLER = '+8613900001234'
const REASON = 'The caller asks us to evict a tenant; not ours to do.'

describe('a declined request is told to the caller (否定报备, issue 10 point 10)', () => {
  let h: Harness
  const clock = manualClock()
  beforeEach(async () => {
    clock.set(new Date('2026-11-23T02:00:00Z'))
    h = await createHarness({ clock, env: { RING_WAVE_SIZE: '1' } })
  })
  afterEach(async () => {
    h.edge.assertAllValid()
    await h.close()
  })
  const api = () => request(h.app)

  async function declineCase(from: string) {
    const call = await liveCall(h, { from })
    const path = `/api/cases/${call.reference}/decline`
    expect((await api().post(path).set(call.auth).send({ reason: REASON })).status).toBe(202)
    const since = h.edge.requests.length
    const manager = await login(h, '3001')
    const approved = await api().post(`${path}/approve`).set(manager).send({ note: 'Agreed.' })
    expect(approved.status).toBe(200)
    const kase = await h.ctx.db
      .selectFrom('cases')
      .select('id')
      .where('reference', '=', call.reference)
      .executeTakeFirstOrThrow()
    const texts = await h.ctx.db
      .selectFrom('sms_messages')
      .select(['purpose', 'to_number', 'from_number', 'body', 'status'])
      .where('case_id', '=', kase.id)
      .execute()
    const told = await h.ctx.db
      .selectFrom('case_events')
      .select(['type', 'data'])
      .where('case_id', '=', kase.id)
      .where('type', '=', 'decline_sms_sent')
      .execute()
    return {
      reference: call.reference,
      sent: requestsSince(h, since, 'CreateMessage'),
      texts,
      told,
    }
  }

  it('texts the decision and its written reason, recorded on the case as sent', async () => {
    const r = await declineCase(CALLER)
    expect(r.sent).toHaveLength(1)
    const body = String(r.sent[0]?.data['Body'])
    expect(r.sent[0]?.data).toMatchObject({ To: CALLER, From: ZH_HOTLINE })
    for (const part of [r.reference, '不予受理', 'declined', REASON]) expect(body).toContain(part)
    expect(r.texts).toEqual([
      { purpose: 'declined', to_number: CALLER, from_number: ZH_HOTLINE, body, status: 'sent' },
    ])
    expect(r.told).toEqual([
      { type: 'decline_sms_sent', data: expect.objectContaining({ sent: true }) },
    ])
  })

  it('records that a caller who withheld their number could not be texted', async () => {
    const r = await declineCase('anonymous')
    expect(r.sent).toEqual([])
    expect(r.texts).toEqual([])
    expect(r.told).toEqual([
      {
        type: 'decline_sms_sent',
        data: expect.objectContaining({ sent: false, why: 'no_number' }),
      },
    ])
  })

  it('texts nothing when the decline is refused', async () => {
    const call = await liveCall(h, { from: CALLER })
    const path = `/api/cases/${call.reference}/decline`
    expect((await api().post(path).set(call.auth).send({ reason: REASON })).status).toBe(202)
    const since = h.edge.requests.length
    const sup = await login(h, '2001')
    const refused = await api().post(`${path}/reject`).set(sup).send({ note: 'Keep at it.' })
    expect(refused.status).toBe(200)
    expect(requestsSince(h, since, 'CreateMessage')).toEqual([])
  })
})
