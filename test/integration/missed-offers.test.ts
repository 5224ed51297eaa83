import request from 'supertest'
import { afterEach, describe, expect, it } from 'vitest'

import { agentRoster } from '../../src/agents/pauses.ts'
import { runDispatch } from '../../src/calls/dispatcher.ts'
import { MISSED_OFFERS_PAUSE_REASON } from '../../src/domain/missed-offers.ts'
import { createdCalls, queuedCall } from '../helpers/call-steps.ts'
import type { Harness } from '../helpers/harness.ts'
import { callSid, createHarness, manualClock, pathOf } from '../helpers/harness.ts'
import { login } from '../helpers/live-call.ts'

/**
 * An available agent who lets MISSED_OFFERS_BEFORE_AWAY offers in a row ring out (a closed
 * console tab, a phone left behind) is set away, told why, and rung no more; callers go to those
 * who are there.
 */
describe('an agent who lets offers ring out is set away', () => {
  let h: Harness
  const clock = manualClock()
  afterEach(async () => {
    h.edge.assertAllValid()
    await h.close()
  })

  /** Only agent 1001 is available, since a minute ago on the test clock. */
  async function onlyLiNa(env: Record<string, string> = {}): Promise<number> {
    h = await createHarness({ clock, env })
    await h.ctx.db
      .updateTable('agents')
      .set({ presence: 'away', pause_reason: null })
      .where('job_number', '!=', '1001')
      .execute()
    const a = await h.ctx.db
      .updateTable('agents')
      .set({ presence: 'available', presence_changed_at: new Date(clock.now().getTime() - 60_000) })
      .where('job_number', '=', '1001')
      .returning('id')
      .executeTakeFirstOrThrow()
    return a.id
  }

  /** A new caller queues; the dispatcher rings who it rings; each ring ends with `status`. */
  async function ringAndEnd(status: string, n: number): Promise<string[]> {
    h.edge.requests.length = 0
    await queuedCall(h, '1', `+861370000000${n}`)
    await runDispatch(h.ctx)
    const rung = createdCalls(h)
    for (const o of rung) {
      const res = await h.twilioPost(pathOf(String(o.data['StatusCallback'])), {
        CallSid: callSid(),
        CallStatus: status,
        SequenceNumber: '3',
      })
      expect(res.status).toBe(200)
    }
    clock.advance(30_000)
    return rung.map((r) => String(r.data['To']))
  }

  const agent = (id: number) =>
    h.ctx.db
      .selectFrom('agents')
      .select(['presence', 'pause_reason'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow()
  const notices = (id: number) =>
    h.ctx.db
      .selectFrom('notifications')
      .select(['kind', 'body'])
      .where('agent_id', '=', id)
      .where('kind', '=', 'missed_offers_away')
      .execute()

  it('after two rung out in a row: away with the reason on the board, told, and not rung again', async () => {
    const id = await onlyLiNa()
    expect(await ringAndEnd('no-answer', 1)).toEqual(['client:agent-1001'])
    expect(await agent(id)).toEqual({ presence: 'available', pause_reason: null })
    expect(await ringAndEnd('busy', 2)).toEqual(['client:agent-1001'])
    expect(await agent(id)).toEqual({ presence: 'away', pause_reason: MISSED_OFFERS_PAUSE_REASON })
    const told = await notices(id)
    expect(told).toHaveLength(1)
    expect(told[0]?.body).toMatch(/2 calls in a row rang out/)
    // The next caller rings nobody: the only agent is away.
    expect(await ringAndEnd('no-answer', 3)).toEqual([])
    // The agent's own console says why, and so does the supervisors' roster.
    const me = await request(h.app)
      .get('/api/console/presence')
      .set(await login(h, '1001'))
    expect(me.body).toMatchObject({ presence: 'away', pauseReason: MISSED_OFFERS_PAUSE_REASON })
    const roster = await agentRoster({ db: h.ctx.db, clock })
    expect(roster.find((a) => a.id === id)).toMatchObject({
      presence: 'away',
      pauseReason: MISSED_OFFERS_PAUSE_REASON,
    })
  })

  it('a decline in between shows the agent is there: the run starts again', async () => {
    const id = await onlyLiNa()
    await ringAndEnd('no-answer', 1)
    // Hung up at the whisper without a key: declined, an act of someone at the phone.
    await ringAndEnd('completed', 2)
    await ringAndEnd('no-answer', 3)
    expect(await agent(id)).toEqual({ presence: 'available', pause_reason: null })
    expect(await notices(id)).toEqual([])
  })

  it('an offer Twilio refused to place never rang: it is no miss', async () => {
    const id = await onlyLiNa()
    const call = await queuedCall(h, '1', '+8613700000009')
    // As the dispatcher leaves an offer whose CreateCall Twilio refused: failed, no leg.
    await h.ctx.db
      .insertInto('agent_offers')
      .values({
        id: crypto.randomUUID(),
        call_sid: call,
        case_id: null,
        agent_id: id,
        leg_call_sid: null,
        wave: 1,
        status: 'failed',
        created_at: clock.now(),
      })
      .execute()
    clock.advance(1000)
    await ringAndEnd('no-answer', 2)
    expect(await agent(id)).toEqual({ presence: 'available', pause_reason: null })
  })

  it('MISSED_OFFERS_BEFORE_AWAY=0 turns it off', async () => {
    const id = await onlyLiNa({ MISSED_OFFERS_BEFORE_AWAY: '0' })
    await ringAndEnd('no-answer', 1)
    await ringAndEnd('no-answer', 2)
    await ringAndEnd('no-answer', 3)
    expect(await agent(id)).toEqual({ presence: 'available', pause_reason: null })
  })
})
