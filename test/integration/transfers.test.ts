import { sql } from 'kysely'
import request from 'supertest'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

import { runDispatch } from '../../src/calls/dispatcher.ts'
import { createdCalls, legSidOf, legStatus } from '../helpers/call-steps.ts'
import type { Harness } from '../helpers/harness.ts'
import { createHarness, manualClock, pathOf } from '../helpers/harness.ts'
import type { LiveCall } from '../helpers/live-call.ts'
import { liveCall, login, requestsSince, statusOf } from '../helpers/live-call.ts'
import { allText, find, parseTwiml } from '../helpers/twiml.ts'

// Monday 10:00 in Shanghai: every demo department is open.
const MONDAY_10AM = new Date('2026-11-23T02:00:00Z')

describe('warm transfer to a department', () => {
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

  const api = () => request(h.app)
  const transfer = (body: object, auth = call.auth) =>
    api().post(`/api/cases/${call.reference}/transfers`).set(auth).send(body)

  async function kase() {
    return h.ctx.db
      .selectFrom('cases')
      .selectAll()
      .where('reference', '=', call.reference)
      .executeTakeFirstOrThrow()
  }
  async function transferRow(id: string) {
    return h.ctx.db
      .selectFrom('transfers')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow()
  }
  async function eventTypes() {
    const rows = await h.ctx.db
      .selectFrom('case_events')
      .innerJoin('cases', 'cases.id', 'case_events.case_id')
      .select(['case_events.type', 'case_events.first_owner_id'])
      .where('cases.reference', '=', call.reference)
      .orderBy('case_events.id')
      .execute()
    return rows
  }
  /** Starts a transfer and returns it with the department leg Twilio was asked to create. */
  async function started(body: object = { department: 'engineering', note: '今天派人上门' }) {
    const from = h.edge.requests.length
    const r = await transfer(body)
    expect(r.status, JSON.stringify(r.body)).toBe(201)
    const leg = requestsSince(h, from, 'CreateCall')[0]
    return { id: r.body.id as string, leg, from }
  }
  async function departmentAnswers(leg: ReturnType<typeof requestsSince>[number] | undefined) {
    await statusOf(h, leg, 'ringing', 1)
    const res = await h.twilioPost(pathOf(String(leg?.data['Url'])), { CallSid: legSidOf(leg) })
    return parseTwiml(res.text)
  }
  async function departmentPresses(briefing: ReturnType<typeof parseTwiml>, digits: string) {
    const action = pathOf(find(briefing, 'Gather')?.attrs['action'] ?? '')
    const leg = new URL(`http://x${action}`).searchParams.get('t')
    const row = await transferRow(leg ?? '')
    return parseTwiml(
      (await h.twilioPost(action, { CallSid: row.leg_call_sid ?? '', Digits: digits })).text,
    )
  }
  const participantUpdates = (from: number) =>
    requestsSince(h, from, 'UpdateParticipant').map((r) => ({
      who: r.pathParams['CallSid'],
      ...r.data,
    }))

  it('holds the caller, briefs the department, assigns it on accept, and bridges on request', async () => {
    const { id, leg, from } = await started()
    // Flags first, then the hold: Twilio ignores endConferenceOnExit for a held participant.
    expect(participantUpdates(from)).toEqual([
      { who: call.agentLegSid, EndConferenceOnExit: 'false' },
      { who: call.callerSid, EndConferenceOnExit: 'false' },
      {
        who: call.callerSid,
        Hold: 'true',
        HoldUrl: expect.stringContaining(`/voice/transfer/hold?t=${id}`) as string,
        HoldMethod: 'POST',
      },
    ])
    expect(requestsSince(h, from, 'UpdateParticipant')[0]?.pathParams['ConferenceSid']).toBe(
      call.conferenceSid,
    )
    expect(leg?.data).toMatchObject({ To: 'client:dept-engineering-1', Timeout: '25' })

    const hold = parseTwiml(
      (
        await h.twilioPost(pathOf(`https://x/voice/transfer/hold?t=${id}`), {
          CallSid: call.callerSid,
        })
      ).text,
    )
    expect(allText(hold)).toContain('工程部')
    expect(find(hold, 'Play')).toBeDefined()

    const briefing = await departmentAnswers(leg)
    const said = allText(briefing)
    expect(said).toContain(call.reference.split('').join(' '))
    expect(said).toContain('今天派人上门')
    expect(said).toContain('1 0 0 1') // the first owner's job number
    const joined = await departmentPresses(briefing, '1')
    const conf = find(joined, 'Conference')
    expect(conf?.text).toBe(call.conferenceName)
    expect(conf?.attrs['endConferenceOnExit']).toBe('false')

    const accepted = await kase()
    const engineering = await h.ctx.db
      .selectFrom('departments')
      .select('id')
      .where('code', '=', 'engineering')
      .executeTakeFirstOrThrow()
    expect(accepted).toMatchObject({
      status: 'transferred',
      assignee_department_id: engineering.id,
    })
    // One working day from Monday 10:00 is Tuesday 10:00.
    expect(accepted.assignee_due_at?.toISOString()).toBe('2026-11-24T02:00:00.000Z')
    const sms = requestsSince(h, from, 'CreateMessage')
    expect(sms).toHaveLength(1)
    expect(sms[0]?.data['To']).toBe('+8613900001234')
    expect(String(sms[0]?.data['Body'])).toContain('+8657112301')
    expect(String(sms[0]?.data['Body'])).toContain(call.reference)

    // The department's leg arrives in the room: the agent is still there, so no auto-bridge.
    const before = h.edge.requests.length
    await call.conference('participant-join', legSidOf(leg))
    expect(participantUpdates(before)).toEqual([])
    expect((await transferRow(id)).status).toBe('consulting')

    const bridged = await api().post(`/api/transfers/${id}/bridge`).set(call.auth).send()
    expect(bridged.status).toBe(200)
    expect(bridged.body.status).toBe('bridged')
    expect(participantUpdates(before)).toEqual([
      { who: call.callerSid, Hold: 'false' },
      { who: call.callerSid, EndConferenceOnExit: 'true' },
    ])
    // The owner leaves: caller and department stay together; nothing is ended.
    const left = h.edge.requests.length
    await call.conference('participant-leave', call.agentLegSid)
    expect(requestsSince(h, left)).toEqual([])

    const final = await kase()
    const owner = await h.ctx.db
      .selectFrom('agents')
      .select('id')
      .where('job_number', '=', '1001')
      .executeTakeFirstOrThrow()
    expect(final.first_owner_id).toBe(owner.id)
    const events = await eventTypes()
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining([
        'transfer_started',
        'transfer_answered',
        'transfer_accepted',
        'assigned_to_department',
        'department_contact_sent',
        'transfer_bridged',
      ]),
    )
    const view = await api().get(`/api/cases/${call.reference}`).set(call.auth)
    expect(view.body.case).toMatchObject({
      firstOwnerJobNumber: '1001',
      assigneeDepartment: { code: 'engineering' },
      assigneeDueAt: '2026-11-24T02:00:00.000Z',
    })
    expect(view.body.transfers).toMatchObject([{ id, status: 'bridged', mode: 'warm' }])
    // Every event after the claim names the first owner: responsibility never moved.
    const afterClaim = events.slice(events.findIndex((e) => e.type === 'first_owner_claimed'))
    expect(afterClaim.every((e) => e.first_owner_id === owner.id)).toBe(true)
  })

  it('takes the caller off hold back to the agent, with a message, when nobody answers', async () => {
    const { id, leg } = await started()
    const from = h.edge.requests.length
    await statusOf(h, leg, 'ringing', 1)
    await statusOf(h, leg, 'no-answer', 2)
    expect((await transferRow(id)).status).toBe('no_answer')
    const updates = participantUpdates(from)
    expect(updates).toEqual([
      {
        who: call.callerSid,
        Hold: 'false',
        AnnounceUrl: expect.stringContaining('who=caller') as string,
        AnnounceMethod: 'POST',
      },
      { who: call.callerSid, EndConferenceOnExit: 'true' },
      {
        who: call.agentLegSid,
        AnnounceUrl: expect.stringContaining('who=agent') as string,
        AnnounceMethod: 'POST',
      },
    ])
    const message = parseTwiml(
      (
        await h.twilioPost(
          pathOf(String((updates[2] as Record<string, unknown> | undefined)?.['AnnounceUrl'])),
          { CallSid: call.agentLegSid },
        )
      ).text,
    )
    expect(allText(message)).toContain('无人接听')
    expect((await kase()).assignee_department_id).toBeNull()
    // A retried callback changes nothing.
    const again = h.edge.requests.length
    await statusOf(h, leg, 'no-answer', 2)
    expect(requestsSince(h, again)).toEqual([])
    expect((await eventTypes()).filter((e) => e.type === 'transfer_failed')).toHaveLength(1)
  })

  it('sends the caller back when the department declines, and rings the next person on the next try', async () => {
    const first = await started()
    const declined = await departmentPresses(await departmentAnswers(first.leg), '2')
    expect(allText(declined)).toContain('已记录')
    expect((await transferRow(first.id)).status).toBe('declined')
    expect((await kase()).assignee_department_id).toBeNull()

    // Two transfers in a row: the next on-duty person, not the one who declined.
    const second = await started({ department: 'engineering' })
    expect(second.leg?.data['To']).toBe('client:dept-engineering-2')
    await departmentPresses(await departmentAnswers(second.leg), '1')
    expect((await transferRow(second.id)).status).toBe('consulting')
    expect((await kase()).status).toBe('transferred')
  })

  it('cancels the ringing department and ends the conference when the caller hangs up on hold', async () => {
    const { id, leg } = await started()
    await statusOf(h, leg, 'ringing', 1)
    const from = h.edge.requests.length
    await h.twilioPost('/voice/status', {
      CallSid: call.callerSid,
      CallStatus: 'completed',
      SequenceNumber: '9',
    })
    expect((await transferRow(id)).status).toBe('caller_gone')
    const calls = requestsSince(h, from, 'UpdateCall')
    expect(calls.map((c) => [c.pathParams['Sid'], c.data['Status']])).toEqual([
      [legSidOf(leg), 'canceled'],
    ])
    expect(requestsSince(h, from, 'UpdateConference').map((c) => c.data['Status'])).toEqual([
      'completed',
    ])
    // The department picking up a moment later hears that it is over, and nothing is assigned.
    const late = parseTwiml(
      (await h.twilioPost(pathOf(String(leg?.data['Url'])), { CallSid: legSidOf(leg) })).text,
    )
    expect(allText(late)).toContain('已结束')
    expect((await kase()).assignee_department_id).toBeNull()
  })

  it('puts the caller straight through when the agent left before the department answered', async () => {
    const { id, leg } = await started()
    await call.conference('participant-leave', call.agentLegSid)
    expect((await transferRow(id)).agent_left_at).not.toBeNull()
    const briefing = await departmentAnswers(leg)
    expect(allText(briefing)).toContain('接受后将直接接通来电人')
    await departmentPresses(briefing, '1')
    const from = h.edge.requests.length
    await call.conference('participant-join', legSidOf(leg))
    expect(participantUpdates(from)).toEqual([
      { who: call.callerSid, Hold: 'false' },
      { who: call.callerSid, EndConferenceOnExit: 'true' },
    ])
    expect((await transferRow(id)).status).toBe('bridged')
  })

  it('puts the caller back in the queue, owner first, when the agent left and nobody answered', async () => {
    const { id, leg } = await started()
    await call.conference('participant-leave', call.agentLegSid)
    const from = h.edge.requests.length
    await statusOf(h, leg, 'no-answer', 2)
    const redirect = requestsSince(h, from, 'UpdateCall')
    expect(redirect.map((r) => [r.pathParams['Sid'], pathOf(String(r.data['Url']))])).toEqual([
      [call.callerSid, `/voice/transfer/requeue?t=${id}`],
    ])
    const row = await h.ctx.db
      .selectFrom('calls')
      .select(['queue_state', 'preferred_agent_id'])
      .where('call_sid', '=', call.callerSid)
      .executeTakeFirstOrThrow()
    const owner = (await kase()).first_owner_id
    expect(row).toEqual({ queue_state: 'waiting', preferred_agent_id: owner })
    const twiml = parseTwiml(
      (await h.twilioPost(`/voice/transfer/requeue?t=${id}`, { CallSid: call.callerSid })).text,
    )
    expect(find(twiml, 'Conference')?.text).toBe(call.conferenceName)
    expect(find(twiml, 'Conference')?.attrs['startConferenceOnEnter']).toBe('false')
    expect(find(twiml, 'Conference')?.attrs).not.toHaveProperty('record')
    // A hotline that records: the caller's new seat records as the first one did.
    await h.ctx.db.updateTable('hotlines').set({ recording: 'silent' }).execute()
    h.ctx.directory.invalidate()
    const recorded = parseTwiml(
      (await h.twilioPost(`/voice/transfer/requeue?t=${id}`, { CallSid: call.callerSid })).text,
    )
    expect(find(recorded, 'Conference')?.attrs['record']).toBe('record-from-start')
  })

  it('rings the first owner alone first for a caller put back in the queue, then the others', async () => {
    const { leg } = await started()
    await call.conference('participant-leave', call.agentLegSid)
    const ownerOffer = createdCalls(h).find((c) => c.data['To'] === 'client:agent-1001')
    await legStatus(h, ownerOffer, 'completed', 3, { CallDuration: '40' })
    // The colleagues liveCall set away are free; the owner, just off the call, may still be in
    // after-call work: their own caller is rung to them all the same.
    await h.ctx.db
      .updateTable('agents')
      .set({ presence: 'available' })
      .where('job_number', '!=', '1001')
      .execute()
    clock.advance(20_000) // the department rang out
    await statusOf(h, leg, 'no-answer', 2)

    const from = h.edge.requests.length
    await runDispatch(h.ctx)
    const first = requestsSince(h, from, 'CreateCall')
    expect(first.map((r) => r.data['To'])).toEqual(['client:agent-1001'])

    // The owner does not pick up: the colleagues are rung next, the owner not again yet.
    await legStatus(h, first[0], 'no-answer', 1)
    const next = h.edge.requests.length
    await runDispatch(h.ctx)
    const others = requestsSince(h, next, 'CreateCall').map((r) => r.data['To'])
    expect(others.length).toBeGreaterThan(0)
    expect(others).not.toContain('client:agent-1001')
  })

  it('takes the caller off hold where they are when Twilio refuses the requeue redirect', async () => {
    const { leg } = await started()
    await call.conference('participant-leave', call.agentLegSid)
    const from = h.edge.requests.length
    h.edge.respondWith((r) =>
      r.operationId === 'UpdateCall' ? { statusCode: 500, body: { message: 'down' } } : undefined,
    )
    await statusOf(h, leg, 'no-answer', 2)
    h.edge.respondWith(undefined)
    expect(participantUpdates(from)).toEqual([{ who: call.callerSid, Hold: 'false' }])
    const row = await h.ctx.db
      .selectFrom('calls')
      .select(['queue_state', 'conference_sid'])
      .where('call_sid', '=', call.callerSid)
      .executeTakeFirstOrThrow()
    // Still in the queue (an agent is rung), and in the room they never left.
    expect(row).toEqual({ queue_state: 'waiting', conference_sid: call.conferenceSid })
  })

  it('hands over coldly: the agent leaves at once and the department gets the caller on accept', async () => {
    const { id, leg, from } = await started({ department: 'engineering', mode: 'cold' })
    expect(
      requestsSince(h, from, 'UpdateCall').map((r) => [r.pathParams['Sid'], r.data['Status']]),
    ).toEqual([[call.agentLegSid, 'completed']])
    await call.conference('participant-leave', call.agentLegSid)
    await departmentPresses(await departmentAnswers(leg), '1')
    await call.conference('participant-join', legSidOf(leg))
    expect((await transferRow(id)).status).toBe('bridged')
  })

  it("bridges on Twilio's retry of the department's join when the first try failed after its receipt", async () => {
    const { id, leg } = await started({ department: 'engineering', mode: 'cold' })
    await call.conference('participant-leave', call.agentLegSid)
    await departmentPresses(await departmentAnswers(leg), '1')
    // The transfer's move fails once, after the join's own statement has committed.
    await sql`create function fail_transfer_move() returns trigger language plpgsql as $$
      begin raise exception 'transfer write failed'; end $$`.execute(h.ctx.db)
    await sql`create trigger fail_transfer_move before update on transfers
      for each row execute function fail_transfer_move()`.execute(h.ctx.db)
    const join = {
      ConferenceSid: call.conferenceSid,
      FriendlyName: call.conferenceName,
      StatusCallbackEvent: 'participant-join',
      SequenceNumber: '9001',
      CallSid: legSidOf(leg),
    }
    const first = await h.twilioPost('/voice/conference-status', join)
    expect(first.status).toBeGreaterThanOrEqual(500)
    expect((await transferRow(id)).status).toBe('consulting')
    await sql`drop trigger fail_transfer_move on transfers`.execute(h.ctx.db)
    await sql`drop function fail_transfer_move()`.execute(h.ctx.db)

    const from = h.edge.requests.length
    const retry = await h.twilioPost('/voice/conference-status', join)
    expect(retry.status).toBe(200)
    expect((await transferRow(id)).status).toBe('bridged')
    expect(participantUpdates(from)).toContainEqual(
      expect.objectContaining({ who: call.callerSid, Hold: 'false' }),
    )
    // Once applied, a further retry changes nothing.
    await h.twilioPost('/voice/conference-status', join)
    expect(participantUpdates(from)).toHaveLength(2)
    const presence = await h.ctx.db
      .selectFrom('conference_presence')
      .select('joined_at')
      .where('call_sid', '=', legSidOf(leg))
      .execute()
    expect(presence).toHaveLength(1)
  })

  it('refuses bad requests with a clear error and changes nothing', async () => {
    const from = h.edge.requests.length
    const unknown = await transfer({ department: 'no-such-dept' })
    expect(unknown.status).toBe(404)
    expect(unknown.body.error.message).toContain('no-such-dept')

    await h.ctx.db.updateTable('department_people').set({ on_duty: false }).execute()
    const nobody = await transfer({ department: 'engineering' })
    expect(nobody.status).toBe(409)
    expect(nobody.body.error.message).toContain('nobody is on duty')
    await h.ctx.db.updateTable('department_people').set({ on_duty: true }).execute()

    const colleague = await transfer({ department: 'engineering' }, await login(h, '1002'))
    expect(colleague.status).toBe(403)
    const badMode = await transfer({ department: 'engineering', mode: 'sideways' })
    expect(badMode.status).toBe(400)
    const closed = await transfer({ department: 'customer-relations' })
    expect(closed.status).toBe(409) // nobody on its roster

    expect(requestsSince(h, from)).toEqual([])
    expect(await h.ctx.db.selectFrom('transfers').selectAll().execute()).toEqual([])

    // A supervisor may transfer a call they are not on; a second one at once is refused.
    const sup = await login(h, '2001')
    expect((await transfer({ department: 'engineering' }, sup)).status).toBe(201)
    const twice = await transfer({ department: 'property-services' })
    expect(twice.status).toBe(409)
    expect(await h.ctx.db.selectFrom('transfers').selectAll().execute()).toHaveLength(1)
  })

  it('refuses to transfer a case with no live call', async () => {
    await h.twilioPost('/voice/status', {
      CallSid: call.callerSid,
      CallStatus: 'completed',
      SequenceNumber: '9',
    })
    const from = h.edge.requests.length
    const r = await transfer({ department: 'engineering' })
    expect(r.status).toBe(409)
    expect(r.body.error.message).toContain('no live call')
    expect(requestsSince(h, from)).toEqual([])
    expect(await h.ctx.db.selectFrom('transfers').selectAll().execute()).toEqual([])
  })
})
