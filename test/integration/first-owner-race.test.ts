import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { runDispatch } from '../../src/calls/dispatcher.ts'
import { TAKEN_WHISPER_GRACE_MS } from '../../src/calls/offers.repository.ts'
import { createdCalls, legSidOf, legStatus, queuedCall } from '../helpers/call-steps.ts'
import type { Harness } from '../helpers/harness.ts'
import { callSid, createHarness, manualClock, pathOf, ZH_HOTLINE } from '../helpers/harness.ts'
import { find, parseTwiml, verbs } from '../helpers/twiml.ts'

/** Seven more agents, so that ten are rung in one wave. */
async function addRacers(h: Harness): Promise<void> {
  for (let i = 0; i < 7; i++) {
    await h.ctx.db
      .insertInto('agents')
      .values({
        job_number: `50${i}`,
        name: `Racer ${i}`,
        client_identity: `racer-${i}`,
        phone_number: null,
        department_id: null,
        role: 'agent',
        presence: 'available',
        password_hash: null,
        last_offer_at: null,
      })
      .execute()
  }
}

describe('the first-owner race', () => {
  let h: Harness
  beforeAll(async () => {
    // Ten agents in one wave: all of them are rung at once and all press 1 at once.
    h = await createHarness({ env: { RING_WAVE_SIZE: '10' } })
    await addRacers(h)
  })
  afterAll(async () => {
    h.edge.assertAllValid()
    await h.close()
  })

  it('gives the case exactly one first owner when ten agents accept in the same instant', async () => {
    for (let round = 0; round < 3; round++) {
      await h.ctx.db
        .updateTable('agents')
        .set({ presence: 'available' })
        .where('role', '=', 'agent')
        .execute()
      const sid = callSid()
      const menu = parseTwiml(
        (
          await h.twilioPost('/voice/incoming', {
            CallSid: sid,
            From: `+861390000000${round}`,
            To: ZH_HOTLINE,
          })
        ).text,
      )
      await h.twilioPost(pathOf(find(menu, 'Gather')?.attrs['action'] ?? ''), {
        CallSid: sid,
        Digits: '3',
      })
      h.edge.requests.length = 0
      await runDispatch(h.ctx)
      const offers = h.edge.requests.filter((r) => r.operationId === 'CreateCall')
      expect(offers).toHaveLength(10)
      const whispers = await Promise.all(
        offers.map(async (o) =>
          parseTwiml(
            (await h.twilioPost(pathOf(String(o.data['Url'])), { CallSid: callSid() })).text,
          ),
        ),
      )
      const results = await Promise.all(
        whispers.map(async (w) =>
          parseTwiml(
            (
              await h.twilioPost(pathOf(find(w, 'Gather')?.attrs['action'] ?? ''), {
                CallSid: callSid(),
                Digits: '1',
              })
            ).text,
          ),
        ),
      )
      const winners = results.filter((r) => verbs(r).includes('Dial>Conference'))
      expect(winners).toHaveLength(1)
      expect(results.filter((r) => verbs(r).join() === 'Say,Hangup')).toHaveLength(9)

      const call = await h.ctx.db
        .selectFrom('calls')
        .selectAll()
        .where('call_sid', '=', sid)
        .executeTakeFirstOrThrow()
      const kase = await h.ctx.db
        .selectFrom('cases')
        .selectAll()
        .where('id', '=', call.case_id ?? '0')
        .executeTakeFirstOrThrow()
      expect(kase.first_owner_id).not.toBeNull()
      expect(kase.first_owner_id).toBe(call.answered_by_agent_id)
      const claims = await h.ctx.db
        .selectFrom('case_events')
        .select('type')
        .where('case_id', '=', kase.id)
        .where('type', '=', 'first_owner_claimed')
        .execute()
      expect(claims).toHaveLength(1)
      const accepted = await h.ctx.db
        .selectFrom('agent_offers')
        .select('agent_id')
        .where('call_sid', '=', sid)
        .where('status', '=', 'accepted')
        .execute()
      expect(accepted).toEqual([{ agent_id: kase.first_owner_id }])
    }
  })

  it('refuses, in the database, any later change of first owner', async () => {
    const kase = await h.ctx.db
      .selectFrom('cases')
      .select(['id', 'first_owner_id'])
      .where('first_owner_id', 'is not', null)
      .executeTakeFirstOrThrow()
    const other = await h.ctx.db
      .selectFrom('agents')
      .select('id')
      .where('id', '!=', kase.first_owner_id ?? 0)
      .executeTakeFirstOrThrow()
    await expect(
      h.ctx.db
        .updateTable('cases')
        .set({ first_owner_id: other.id })
        .where('id', '=', kase.id)
        .execute(),
    ).rejects.toThrow(/first owner .* cannot change/)
  })
})

describe('the losers of the first-owner race', () => {
  let h: Harness
  const clock = manualClock()
  beforeAll(async () => {
    h = await createHarness({ clock, env: { RING_WAVE_SIZE: '10' } })
    await addRacers(h)
  })
  afterAll(async () => {
    h.edge.assertAllValid()
    await h.close()
  })

  const makeAllAvailable = () =>
    h.ctx.db
      .updateTable('agents')
      .set({ presence: 'available' })
      .where('role', '=', 'agent')
      .execute()

  /** A queued caller whose wave of agents have all picked up and hear the whisper. */
  async function everyoneAtTheWhisper() {
    await makeAllAvailable()
    const sid = await queuedCall(h, '3', `+86139${String(Math.random()).slice(2, 10)}`)
    h.edge.requests.length = 0
    await runDispatch(h.ctx)
    const legs = createdCalls(h)
    const actions = await Promise.all(
      legs.map(async (leg) => {
        const whisper = parseTwiml(
          (await h.twilioPost(pathOf(String(leg.data['Url'])), { CallSid: legSidOf(leg) })).text,
        )
        return pathOf(find(whisper, 'Gather')?.attrs['action'] ?? '')
      }),
    )
    return { sid, legs, actions }
  }

  it('sends no request for a losing leg: the loser is told once, by its own answer', async () => {
    for (let round = 0; round < 3; round++) {
      const { legs, actions } = await everyoneAtTheWhisper()
      expect(legs).toHaveLength(10)
      h.edge.requests.length = 0
      // Everyone presses 1 at once while the dispatcher runs, as the winner's claim triggers it.
      const presses = Promise.all(
        legs.map(async (leg, i) =>
          parseTwiml(
            (await h.twilioPost(actions[i] ?? '', { CallSid: legSidOf(leg), Digits: '1' })).text,
          ),
        ),
      )
      const passes = (async () => {
        for (let i = 0; i < 6; i++) await runDispatch(h.ctx)
      })()
      const [results] = await Promise.all([presses, passes])
      const losers = legs.filter((_, i) => {
        const r = results[i]
        return r !== undefined && verbs(r).join() === 'Say,Hangup'
      })
      expect(losers).toHaveLength(9)
      // They hang up after hearing it; the next passes, past the grace, find nothing to release.
      for (const leg of losers) await legStatus(h, leg, 'completed', 5, { CallDuration: '9' })
      clock.advance(TAKEN_WHISPER_GRACE_MS + 1000)
      await runDispatch(h.ctx)
      const loserSids = losers.map(legSidOf)
      const touched = h.edge.requests.filter(
        (r) => r.operationId === 'UpdateCall' && loserSids.includes(String(r.pathParams['Sid'])),
      )
      expect(touched).toEqual([])
      const offers = await h.ctx.db
        .selectFrom('agent_offers')
        .select(['status', 'ended_at'])
        .where('leg_call_sid', 'in', loserSids)
        .execute()
      expect(offers.map((o) => o.status)).toEqual(Array(9).fill('taken'))
      expect(offers.every((o) => o.ended_at !== null)).toBe(true)
    }
  })

  it('still tells a colleague who is only listening, once the grace is over', async () => {
    const { legs, actions } = await everyoneAtTheWhisper()
    const [winner, listener] = legs
    await h.twilioPost(actions[0] ?? '', { CallSid: legSidOf(winner), Digits: '1' })
    h.edge.requests.length = 0
    await runDispatch(h.ctx)
    const redirectsOf = (leg: typeof listener) =>
      h.edge.requests.filter(
        (r) => r.operationId === 'UpdateCall' && r.pathParams['Sid'] === legSidOf(leg),
      )
    expect(redirectsOf(listener)).toEqual([])
    clock.advance(TAKEN_WHISPER_GRACE_MS + 1000)
    await runDispatch(h.ctx)
    expect(redirectsOf(listener).map((r) => pathOf(String(r.data['Url'])))).toEqual([
      expect.stringMatching(/^\/voice\/agent\/released\?.*reason=taken/),
    ])
  })
})
