import { randomUUID } from 'node:crypto'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { claimOffersToRelease, TAKEN_WHISPER_GRACE_MS } from '../../src/calls/offers.repository.ts'
import type { QueueState } from '../../src/db/schema.ts'
import type { Harness } from '../helpers/harness.ts'
import { callSid, createHarness } from '../helpers/harness.ts'

/**
 * The dispatcher's release of offers, one statement (offers.repository.ts): which live offers it
 * ends, to what, and which it leaves alone. Each case is a caller's call in a queue state and one
 * offer to an agent, written directly.
 */
describe('releasing offers that lost their caller', () => {
  let h: Harness
  let agentId: number
  const at = new Date('2026-12-04T10:00:00Z')
  const ago = (ms: number) => new Date(at.getTime() - ms)

  beforeAll(async () => {
    h = await createHarness()
    agentId = (
      await h.ctx.db
        .selectFrom('agents')
        .select('id')
        .where('job_number', '=', '1001')
        .executeTakeFirstOrThrow()
    ).id
  })
  afterAll(() => h.close())

  async function offerFor(
    queueState: QueueState,
    o: { status: 'dialing' | 'ringing' | 'answered'; createdAt: Date; callAnsweredAt?: Date },
  ): Promise<string> {
    const sid = callSid()
    await h.ctx.db
      .insertInto('calls')
      .values({
        call_sid: sid,
        direction: 'inbound',
        kind: 'caller',
        queue_state: queueState,
        answered_at: o.callAnsweredAt ?? null,
      })
      .execute()
    const id = randomUUID()
    await h.ctx.db
      .insertInto('agent_offers')
      .values({
        id,
        call_sid: sid,
        case_id: null,
        agent_id: agentId,
        wave: 1,
        status: o.status,
        leg_call_sid: callSid(),
        created_at: o.createdAt,
        answered_at: null,
        ended_at: null,
      })
      .execute()
    return id
  }

  it('ends each offer by why its caller is gone, says what it was, and leaves the rest', async () => {
    const taken = await offerFor('connected', { status: 'ringing', createdAt: ago(5000) })
    const gone = await offerFor('abandoned', { status: 'dialing', createdAt: ago(2000) })
    const stale = await offerFor('waiting', { status: 'ringing', createdAt: ago(200_000) })
    const ringing = await offerFor('waiting', { status: 'ringing', createdAt: ago(5000) })
    // At the whisper of a call a colleague took a moment ago: left to their own key press.
    const pressing = await offerFor('connected', {
      status: 'answered',
      createdAt: ago(8000),
      callAnsweredAt: ago(TAKEN_WHISPER_GRACE_MS - 1000),
    })
    // The same, once the grace is over: told it was taken.
    const listening = await offerFor('connected', {
      status: 'answered',
      createdAt: ago(20_000),
      callAnsweredAt: ago(TAKEN_WHISPER_GRACE_MS + 1000),
    })

    const released = await claimOffersToRelease(h.ctx.db, { at, staleAfterSeconds: 80 })
    const byId = new Map(released.map((r) => [r.id, r]))
    expect(byId.get(taken)).toMatchObject({ reason: 'taken', status: 'ringing', agentId })
    expect(byId.get(gone)).toMatchObject({ reason: 'caller_gone', status: 'dialing' })
    expect(byId.get(stale)).toMatchObject({ reason: 'stale', status: 'ringing' })
    expect(byId.get(listening)).toMatchObject({ reason: 'taken', status: 'answered' })
    expect(byId.has(ringing)).toBe(false)
    expect(byId.has(pressing)).toBe(false)
    expect(byId.get(taken)?.legCallSid).toMatch(/^CA/)

    const rows = await h.ctx.db
      .selectFrom('agent_offers')
      .select(['id', 'status', 'ended_at'])
      .where('id', 'in', [taken, gone, stale, ringing, pressing, listening])
      .execute()
    const now = new Map(rows.map((r) => [r.id, r]))
    expect(now.get(taken)?.status).toBe('taken')
    expect(now.get(gone)?.status).toBe('caller_gone')
    expect(now.get(stale)?.status).toBe('failed')
    expect(now.get(listening)?.status).toBe('taken')
    for (const id of [taken, gone, stale, listening]) expect(now.get(id)?.ended_at).toEqual(at)
    expect(now.get(ringing)).toMatchObject({ status: 'ringing', ended_at: null })
    expect(now.get(pressing)).toMatchObject({ status: 'answered', ended_at: null })

    // Once: a second pass finds nothing more to end.
    const again = await claimOffersToRelease(h.ctx.db, { at, staleAfterSeconds: 80 })
    expect(again.map((r) => r.id)).not.toContain(taken)
    expect(again.map((r) => r.id)).not.toContain(stale)
  })
})
