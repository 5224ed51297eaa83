import request from 'supertest'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

import { createdCalls, legSidOf, legStatus } from '../helpers/call-steps.ts'
import type { Harness } from '../helpers/harness.ts'
import { createHarness, manualClock, pathOf } from '../helpers/harness.ts'
import type { LiveCall } from '../helpers/live-call.ts'
import { liveCall, requestsSince, statusOf } from '../helpers/live-call.ts'
import { find, parseTwiml } from '../helpers/twiml.ts'

// Monday 10:00 in Shanghai: every demo department is open.
const MONDAY_10AM = new Date('2026-11-23T02:00:00Z')

/** A bridged transfer ends once its call does, whichever of Twilio's callbacks says so first. */
describe('the end of a bridged transfer', () => {
  let h: Harness
  let call: LiveCall
  const clock = manualClock(MONDAY_10AM)

  beforeEach(async () => {
    clock.set(MONDAY_10AM)
    h = await createHarness({ clock })
    call = await liveCall(h)
  })
  afterEach(async () => {
    h.edge.assertAllValid()
    await h.close()
  })

  /** Caller and department talking: transferred, accepted, in the room, brought together. */
  async function bridged() {
    const from = h.edge.requests.length
    const r = await request(h.app)
      .post(`/api/cases/${call.reference}/transfers`)
      .set(call.auth)
      .send({ department: 'engineering' })
    expect(r.status, JSON.stringify(r.body)).toBe(201)
    const id = r.body.id as string
    const leg = requestsSince(h, from, 'CreateCall')[0]
    const deptSid = legSidOf(leg)
    await statusOf(h, leg, 'ringing', 1)
    await statusOf(h, leg, 'in-progress', 2)
    const briefing = parseTwiml(
      (await h.twilioPost(pathOf(String(leg?.data['Url'])), { CallSid: deptSid })).text,
    )
    const action = pathOf(find(briefing, 'Gather')?.attrs['action'] ?? '')
    await h.twilioPost(action, { CallSid: deptSid, Digits: '1' })
    await call.conference('participant-join', deptSid)
    const b = await request(h.app).post(`/api/transfers/${id}/bridge`).set(call.auth).send()
    expect(b.body.status).toBe('bridged')
    return { id, leg, deptSid }
  }

  async function transferRow(id: string) {
    return h.ctx.db
      .selectFrom('transfers')
      .select(['status', 'ended_at'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow()
  }
  async function completions(id: string) {
    const rows = await h.ctx.db
      .selectFrom('case_events')
      .select('data')
      .where('type', '=', 'transfer_completed')
      .execute()
    return rows.filter((r) => (r.data as { transferId?: string }).transferId === id)
  }

  it('completes when the caller hangs up, once, however often Twilio says so', async () => {
    const { id } = await bridged()
    await call.conference('participant-leave', call.agentLegSid) // the owner left earlier
    expect((await transferRow(id)).status).toBe('bridged')
    clock.advance(60_000)
    const hangUp = { CallSid: call.callerSid, CallStatus: 'completed', SequenceNumber: '9' }
    await h.twilioPost('/voice/status', hangUp)
    const ended = await transferRow(id)
    expect(ended).toEqual({
      status: 'completed',
      ended_at: new Date(MONDAY_10AM.getTime() + 60_000),
    })

    // The retry, the caller's leave and the conference's end arrive late: nothing moves.
    clock.advance(5_000)
    await h.twilioPost('/voice/status', hangUp)
    await call.conference('participant-leave', call.callerSid)
    await call.conference('conference-end')
    expect(await transferRow(id)).toEqual(ended)
    expect((await completions(id)).map((e) => e.data)).toEqual([
      { transferId: id, reason: 'caller_left' },
    ]) // The agent's console retries its "bring the caller in" after the end: the same success.
    const retry = await request(h.app).post(`/api/transfers/${id}/bridge`).set(call.auth).send()
    expect(retry.status).toBe(200)
    expect(retry.body.status).toBe('completed')
  })

  it('completes when the department hangs up, before or after its leave callback', async () => {
    const { id, leg, deptSid } = await bridged()
    clock.advance(30_000)
    // Reordered: the leg's final status comes before the participant-leave.
    await statusOf(h, leg, 'completed', 3)
    await call.conference('participant-leave', deptSid)
    expect(await transferRow(id)).toEqual({
      status: 'completed',
      ended_at: new Date(MONDAY_10AM.getTime() + 30_000),
    })
    expect((await completions(id)).map((e) => e.data)).toEqual([
      { transferId: id, reason: 'department_left' },
    ])
  })

  it('completes when the conference ends first', async () => {
    const { id } = await bridged()
    clock.advance(10_000)
    await call.conference('conference-end')
    expect(await transferRow(id)).toEqual({
      status: 'completed',
      ended_at: new Date(MONDAY_10AM.getTime() + 10_000),
    })
    // A bridged transfer never goes backwards, and a live one is no longer there to end.
    await h.twilioPost('/voice/status', {
      CallSid: call.callerSid,
      CallStatus: 'completed',
      SequenceNumber: '9',
    })
    expect((await completions(id)).map((e) => e.data)).toEqual([
      { transferId: id, reason: 'conference_ended' },
    ])
  })

  it('leaves a bridged transfer open while caller and department still talk', async () => {
    const { id } = await bridged()
    await call.conference('participant-leave', call.agentLegSid)
    const ownerLeg = createdCalls(h).find((c) => c.data['To'] === 'client:agent-1001')
    await legStatus(h, ownerLeg, 'completed', 9, { CallDuration: '120' })
    expect(await transferRow(id)).toEqual({ status: 'bridged', ended_at: null })
  })
})
