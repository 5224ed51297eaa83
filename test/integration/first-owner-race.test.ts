import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { runDispatch } from '../../src/calls/dispatcher.ts'
import type { Harness } from '../helpers/harness.ts'
import { callSid, createHarness, pathOf, ZH_HOTLINE } from '../helpers/harness.ts'
import { find, parseTwiml, verbs } from '../helpers/twiml.ts'

describe('the first-owner race', () => {
  let h: Harness
  beforeAll(async () => {
    // Ten agents in one wave: all of them are rung at once and all press 1 at once.
    h = await createHarness({ env: { RING_WAVE_SIZE: '10' } })
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
