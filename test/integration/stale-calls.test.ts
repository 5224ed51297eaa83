import { afterEach, beforeEach, describe, expect, it } from 'vitest'

import { runDispatch } from '../../src/calls/dispatcher.ts'
import { endStaleCalls } from '../../src/calls/stale-calls.ts'
import { createdCalls, legSidOf, legStatus, queuedCall } from '../helpers/call-steps.ts'
import type { FakeTwilioResponse, RecordedRequest } from '../helpers/fake-twilio-edge.ts'
import type { Harness } from '../helpers/harness.ts'
import { createHarness, manualClock } from '../helpers/harness.ts'
import { liveCall } from '../helpers/live-call.ts'

const MINUTE = 60_000

/** Twilio's Call resource as GET /Calls/{CallSid}.json answers it, with the fields read. */
function callResource(sid: string, status: string, duration: string | null): FakeTwilioResponse {
  const ended = duration === null ? null : 'Mon, 23 Nov 2026 02:00:00 +0000'
  return { statusCode: 200, body: { sid, status, duration, end_time: ended } }
}

const notFound: FakeTwilioResponse = {
  statusCode: 404,
  body: { code: 20404, message: 'The requested resource was not found', status: 404 },
}

describe('stale-calls duty: calls whose final status callback was lost', () => {
  let h: Harness
  // Starts at the real time: rows the database stamps with now() line up with the test's clock.
  const clock = manualClock(new Date())
  /** What Twilio says about each call, by CallSid; anything else gets the fake's default. */
  const twilioSays = new Map<string, FakeTwilioResponse>()

  beforeEach(async () => {
    clock.set(new Date())
    twilioSays.clear()
    h = await createHarness({ clock })
    h.edge.respondWith((r) =>
      r.operationId === 'FetchCall' ? twilioSays.get(r.pathParams.Sid ?? '') : undefined,
    )
  })
  afterEach(async () => {
    h.edge.assertAllValid()
    await h.close()
  })

  const row = (sid: string) =>
    h.ctx.db.selectFrom('calls').selectAll().where('call_sid', '=', sid).executeTakeFirstOrThrow()
  const fetches = (sid?: string): RecordedRequest[] =>
    h.edge.requests.filter(
      (r) => r.operationId === 'FetchCall' && (!sid || r.pathParams.Sid === sid),
    )
  const callbacks = () => h.ctx.db.selectFrom('callbacks').selectAll().execute()

  /** A caller waiting in the queue and an agent's phone ringing (its initiated/ringing arrived). */
  async function waitingCallerAndRingingAgent() {
    const caller = await queuedCall(h, '1', '+8613700000001')
    await runDispatch(h.ctx)
    const create = createdCalls(h)[0]
    const leg = legSidOf(create)
    expect((await legStatus(h, create, 'initiated', 0)).status).toBe(200)
    expect((await legStatus(h, create, 'ringing', 1)).status).toBe(200)
    return { caller, leg }
  }

  it("ends both legs with the status Twilio reports, with the callbacks' own effects", async () => {
    const { caller, leg } = await waitingCallerAndRingingAgent()
    // The caller hung up after 42 s; the agent's phone gave up: both final callbacks were lost.
    twilioSays.set(caller, callResource(caller, 'completed', '42'))
    twilioSays.set(leg, callResource(leg, 'no-answer', '0'))

    // 1 minute later nothing is stale yet (the threshold is 2 minutes): Twilio is not asked.
    clock.advance(MINUTE)
    expect(await endStaleCalls(h.ctx)).toMatchObject({ checked: 0 })
    expect(fetches()).toHaveLength(0)

    // 3 minutes after the last update: both are asked once and both ended.
    clock.advance(2 * MINUTE)
    // A run whose time budget is already spent asks nothing (the next beat carries on).
    expect(await endStaleCalls(h.ctx, { budgetMs: 0 })).toMatchObject({ checked: 0 })
    expect(fetches()).toHaveLength(0)
    const sweptAt = clock.now()
    expect(await endStaleCalls(h.ctx)).toEqual({
      checked: 2,
      ended: 2,
      stillLive: 0,
      unknownEnded: 0,
      errors: 0,
    })
    expect(fetches(caller)).toHaveLength(1)
    expect(fetches(leg)).toHaveLength(1)

    // The caller's callback would have made the wait an abandoned call with a return call owed.
    expect(await row(caller)).toMatchObject({
      status: 'completed',
      queue_state: 'abandoned',
      duration_seconds: 42,
      ended_at: sweptAt,
    })
    const owed = await callbacks()
    expect(owed).toHaveLength(1)
    expect(owed[0]).toMatchObject({ purpose: 'unanswered_inbound', status: 'pending' })
    // The agent leg's would have ended the offer as unanswered.
    expect(await row(leg)).toMatchObject({ status: 'no-answer', ended_at: sweptAt })
    const offer = await h.ctx.db
      .selectFrom('agent_offers')
      .select('status')
      .where('leg_call_sid', '=', leg)
      .executeTakeFirstOrThrow()
    expect(offer.status).toBe('no_answer')

    // The real callback turns up late (seq 2, after initiated 0 and ringing 1): nothing changes.
    const eventsBefore = await h.ctx.db.selectFrom('case_events').selectAll().execute()
    const late = {
      CallSid: caller,
      CallStatus: 'completed',
      CallDuration: '99',
      SequenceNumber: '2',
    }
    expect((await h.twilioPost('/voice/status', late)).status).toBe(200)
    expect(await row(caller)).toMatchObject({ duration_seconds: 42, ended_at: sweptAt })
    expect(await callbacks()).toHaveLength(1)
    expect(await h.ctx.db.selectFrom('case_events').selectAll().execute()).toHaveLength(
      eventsBefore.length,
    )

    // Counted by leg kind and Twilio's status: one of each here.
    const counted = await h.ctx.metrics.staleCallsEnded.get()
    const count = (kind: string, status: string) =>
      counted.values.find((v) => v.labels.kind === kind && v.labels.status === status)?.value
    expect(count('caller', 'completed')).toBe(1)
    expect(count('agent_offer', 'no-answer')).toBe(1)

    // Ended calls are never asked about again.
    clock.advance(30 * MINUTE)
    expect(await endStaleCalls(h.ctx)).toMatchObject({ checked: 0 })
    expect(fetches()).toHaveLength(2)
  })

  it('leaves a call Twilio says is live alone, and asks again only after 10 minutes', async () => {
    const { caller, leg } = await waitingCallerAndRingingAgent()
    twilioSays.set(caller, callResource(caller, 'in-progress', null))
    twilioSays.set(leg, callResource(leg, 'in-progress', null))

    clock.advance(3 * MINUTE)
    expect(await endStaleCalls(h.ctx)).toMatchObject({ checked: 2, ended: 0, stillLive: 2 })
    expect(await row(caller)).toMatchObject({
      status: 'queued', // as stored: no status callback came for it, and the sweep added none
      queue_state: 'waiting',
      ended_at: null,
    })
    expect(await callbacks()).toHaveLength(0)

    // Checked at +3 min: at +4 and at +12 (9 minutes after the check) Twilio is not asked again.
    clock.advance(MINUTE)
    expect(await endStaleCalls(h.ctx)).toMatchObject({ checked: 0 })
    clock.advance(8 * MINUTE)
    expect(await endStaleCalls(h.ctx)).toMatchObject({ checked: 0 })
    expect(fetches(caller)).toHaveLength(1)

    // At +14 (11 minutes after the check) it is asked again; now the call has ended.
    clock.advance(2 * MINUTE)
    twilioSays.set(caller, callResource(caller, 'completed', '600'))
    expect(await endStaleCalls(h.ctx)).toMatchObject({ checked: 2, ended: 1, stillLive: 1 })
    expect(fetches(caller)).toHaveLength(2)
    expect(await row(caller)).toMatchObject({ status: 'completed', queue_state: 'abandoned' })
  })

  it('leaves the row as it is when Twilio fails, and ends an unknown call only after an hour', async () => {
    const { caller, leg } = await waitingCallerAndRingingAgent()
    twilioSays.set(leg, notFound)
    // Twilio answers the caller's fetch with a 500 once.
    twilioSays.set(caller, {
      statusCode: 500,
      body: { code: 20500, message: 'Internal', status: 500 },
    })

    clock.advance(3 * MINUTE)
    expect(await endStaleCalls(h.ctx)).toMatchObject({ checked: 2, errors: 1, stillLive: 1 })
    expect(await row(caller)).toMatchObject({ queue_state: 'waiting', ended_at: null })
    // A 404 three minutes after the last callback: not ended yet.
    expect(await row(leg)).toMatchObject({ status: 'ringing', ended_at: null })

    // 63 minutes after the last callback, Twilio still does not know the leg: ended as failed,
    // through the offer's own path (the ring is over, the offer failed).
    clock.advance(60 * MINUTE)
    twilioSays.set(caller, callResource(caller, 'in-progress', null))
    expect(await endStaleCalls(h.ctx)).toMatchObject({ checked: 2, unknownEnded: 1, stillLive: 1 })
    expect(await row(leg)).toMatchObject({ status: 'failed' })
    const offer = await h.ctx.db
      .selectFrom('agent_offers')
      .select('status')
      .where('leg_call_sid', '=', leg)
      .executeTakeFirstOrThrow()
    expect(offer.status).toBe('failed')
    expect(await row(caller)).toMatchObject({ queue_state: 'waiting', ended_at: null })
  })
})

describe('stale-calls duty: an accepted agent whose hang-up callback was lost', () => {
  it('ends the offer and puts the agent into wrap-up, as the callback would have', async () => {
    const clock = manualClock(new Date())
    const h = await createHarness({ clock, env: { WRAP_UP_SECONDS: '20' } })
    try {
      const call = await liveCall(h)
      h.edge.respondWith((r) => {
        if (r.operationId !== 'FetchCall') return undefined
        // The agent hung up after 5 minutes; the caller is still on (with nobody, say).
        return r.pathParams.Sid === call.agentLegSid
          ? callResource(call.agentLegSid, 'completed', '300')
          : callResource(call.callerSid, 'in-progress', null)
      })
      clock.advance(3 * 60_000)
      const sweptAt = clock.now()
      expect(await endStaleCalls(h.ctx)).toMatchObject({ checked: 2, ended: 1, stillLive: 1 })

      const offer = await h.ctx.db
        .selectFrom('agent_offers')
        .select(['status', 'ended_at'])
        .where('leg_call_sid', '=', call.agentLegSid)
        .executeTakeFirstOrThrow()
      // The accepted offer stays accepted; its end is the agent's handle time's end.
      expect(offer).toEqual({ status: 'accepted', ended_at: sweptAt })
      const agent = await h.ctx.db
        .selectFrom('agents')
        .select(['presence', 'wrap_up_until'])
        .where('job_number', '=', '1001')
        .executeTakeFirstOrThrow()
      // After-call work of WRAP_UP_SECONDS = 20 from the sweep: sweptAt + 20 000 ms.
      expect(agent).toEqual({
        presence: 'busy',
        wrap_up_until: new Date(sweptAt.getTime() + 20_000),
      })
      expect(
        await h.ctx.db
          .selectFrom('calls')
          .select(['status', 'ended_at', 'duration_seconds'])
          .where('call_sid', '=', call.agentLegSid)
          .executeTakeFirstOrThrow(),
      ).toEqual({
        status: 'completed',
        ended_at: sweptAt,
        duration_seconds: 300,
      })
      h.edge.assertAllValid()
    } finally {
      await h.close()
    }
  })
})

describe('stale-calls against the simulator', () => {
  it("reads a call's status from the simulator, and a call it never had as unknown", async () => {
    const h = await createHarness({ simulator: true })
    try {
      // The official client's 404 (error 20404) for a call the simulator never placed is null.
      expect(await h.ctx.telephony.fetchCall(`CA${'0'.repeat(32)}`)).toBeNull()
      const { callSid } = await h.ctx.telephony.createCall({
        to: '+8613700000009',
        from: '+8657112345',
        url: 'https://hotline.example.test/voice/none',
        statusCallback: 'https://hotline.example.test/voice/none-status',
        statusCallbackEvent: ['completed'],
        timeoutSeconds: 30,
      })
      expect(await h.ctx.telephony.fetchCall(callSid)).toMatchObject({
        durationSeconds: null,
        endTime: null,
      })
      await h.ctx.telephony.endCall(callSid, 'canceled')
      expect(await h.ctx.telephony.fetchCall(callSid)).toMatchObject({ status: 'canceled' })
    } finally {
      await h.close()
    }
  })
})
