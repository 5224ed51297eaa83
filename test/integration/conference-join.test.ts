import { randomBytes } from 'node:crypto'

import { sql } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

import { runDispatch } from '../../src/calls/dispatcher.ts'
import { answerAndPress, createdCalls, legSidOf, queuedCall } from '../helpers/call-steps.ts'
import type { Harness } from '../helpers/harness.ts'
import { createHarness, manualClock } from '../helpers/harness.ts'

describe("a conference's participant-join callback", () => {
  let h: Harness
  const clock = manualClock()
  beforeEach(async () => {
    h = await createHarness({ clock })
  })
  afterEach(async () => {
    h.edge.assertAllValid()
    await h.close()
  })

  const join = (conferenceSid: string, callerSid: string, leg: string, seq: number) =>
    h.twilioPost('/voice/conference-status', {
      ConferenceSid: conferenceSid,
      FriendlyName: `call-${callerSid}`,
      StatusCallbackEvent: 'participant-join',
      SequenceNumber: String(seq),
      CallSid: leg,
    })

  async function state(conferenceSid: string, callerSid: string, agentLeg: string) {
    const caller = await h.ctx.db
      .selectFrom('calls')
      .select('conference_sid')
      .where('call_sid', '=', callerSid)
      .executeTakeFirstOrThrow()
    const offer = await h.ctx.db
      .selectFrom('agent_offers')
      .select('joined_at')
      .where('leg_call_sid', '=', agentLeg)
      .executeTakeFirst()
    const present = await h.ctx.db
      .selectFrom('conference_presence')
      .select(['call_sid', 'joined_at'])
      .where('conference_sid', '=', conferenceSid)
      .orderBy('joined_at')
      .execute()
    const receipts = await h.ctx.db
      .selectFrom('status_receipts')
      .select('event')
      .where('resource_sid', '=', conferenceSid)
      .execute()
    return {
      callerConference: caller.conference_sid,
      agentJoinedAt: offer?.joined_at ?? null,
      present,
      receipts: receipts.length,
    }
  }

  async function callerAndAgent() {
    const callerSid = await queuedCall(h, '1', '+8613900005678')
    await runDispatch(h.ctx)
    const offer = createdCalls(h)[0]
    await answerAndPress(h, offer)
    return {
      callerSid,
      agentLeg: legSidOf(offer),
      conferenceSid: `CF${randomBytes(16).toString('hex')}`,
    }
  }

  it("records the caller's conference, the agent's join and both presences, once", async () => {
    const { callerSid, agentLeg, conferenceSid } = await callerAndAgent()
    const t1 = clock.now()
    expect((await join(conferenceSid, callerSid, callerSid, 1)).status).toBe(200)
    expect((await join(conferenceSid, callerSid, agentLeg, 2)).status).toBe(200)
    const first = await state(conferenceSid, callerSid, agentLeg)
    expect(first).toEqual({
      callerConference: conferenceSid,
      agentJoinedAt: t1,
      present: [
        { call_sid: callerSid, joined_at: t1 },
        { call_sid: agentLeg, joined_at: t1 },
      ],
      receipts: 2,
    })

    // Twilio retries both a minute later: nothing moves.
    clock.advance(60_000)
    expect((await join(conferenceSid, callerSid, agentLeg, 2)).status).toBe(200)
    expect((await join(conferenceSid, callerSid, callerSid, 1)).status).toBe(200)
    expect(await state(conferenceSid, callerSid, agentLeg)).toEqual(first)
  })

  it('applies all of a join or none of it: after a failure, the retry applies it', async () => {
    const { callerSid, agentLeg, conferenceSid } = await callerAndAgent()
    // The presence write fails once, after the receipt, the offer and the call were written in
    // the same statement.
    await sql`create function fail_presence() returns trigger language plpgsql as $$
      begin raise exception 'presence write failed'; end $$`.execute(h.ctx.db)
    await sql`create trigger fail_presence before insert on conference_presence
      for each row execute function fail_presence()`.execute(h.ctx.db)
    expect((await join(conferenceSid, callerSid, agentLeg, 2)).status).toBe(500)
    expect(await state(conferenceSid, callerSid, agentLeg)).toEqual({
      callerConference: null,
      agentJoinedAt: null,
      present: [],
      receipts: 0,
    })

    await sql`drop trigger fail_presence on conference_presence`.execute(h.ctx.db)
    expect((await join(conferenceSid, callerSid, agentLeg, 2)).status).toBe(200)
    const after = await state(conferenceSid, callerSid, agentLeg)
    expect(after.agentJoinedAt).toEqual(clock.now())
    expect(after.present).toEqual([{ call_sid: agentLeg, joined_at: clock.now() }])
    expect(after.receipts).toBe(1)
  })
})
