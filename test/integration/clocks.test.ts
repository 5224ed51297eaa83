import request from 'supertest'
import { afterEach, describe, expect, it } from 'vitest'

import { dialCallback } from '../../src/callbacks/dialer.ts'
import { runDeadlineSweep } from '../../src/deadlines/escalation.ts'
import { createdCalls, legSidOf } from '../helpers/call-steps.ts'
import { caseAwaitingConfirmation } from '../helpers/case-steps.ts'
import type { Harness } from '../helpers/harness.ts'
import { createHarness, manualClock, pathOf } from '../helpers/harness.ts'
import { liveCall, login } from '../helpers/live-call.ts'
import { find, parseTwiml } from '../helpers/twiml.ts'

/** Monday 23 November 2026, 10:00 in Shanghai. */
const MONDAY_10AM = new Date('2026-11-23T02:00:00Z')
const DAY_MS = 24 * 3600_000

/**
 * The agent asks to decline the live call's case; five minutes later (the record step, 1 min,
 * late by then) the duty supervisor approves. Returns the case's id.
 */
async function declineAndApprove(
  h: Harness,
  call: Awaited<ReturnType<typeof liveCall>>,
  clock: ReturnType<typeof manualClock>,
): Promise<string> {
  const path = `/api/cases/${call.reference}/decline`
  const reason = 'The caller asks us to evict a tenant; not ours to do.'
  expect((await request(h.app).post(path).set(call.auth).send({ reason })).status).toBe(202)
  clock.advance(5 * 60_000)
  const sup = await login(h, '2001')
  const approved = await request(h.app).post(`${path}/approve`).set(sup).send({})
  expect(approved.status, JSON.stringify(approved.body)).toBe(200)
  return (await caseOf(h, call.reference)).id
}

function caseOf(h: Harness, reference: string) {
  return h.ctx.db
    .selectFrom('cases')
    .select('id')
    .where('reference', '=', reference)
    .executeTakeFirstOrThrow()
}

describe('every clock ends once, for a reason', () => {
  let h: Harness
  const clock = manualClock(MONDAY_10AM)
  afterEach(async () => {
    h.edge.assertAllValid()
    await h.close()
  })

  const clocks = (caseId: string) =>
    h.ctx.db
      .selectFrom('case_deadlines')
      .select(['step', 'round', 'started_at', 'due_at', 'ended_at', 'outcome'])
      .where('case_id', '=', caseId)
      .orderBy('step')
      .orderBy('round')
      .execute()
  const outcomes = async (caseId: string) =>
    (await clocks(caseId)).map((c) => `${c.step}#${c.round}:${c.outcome}`)
  const limitEvents = () =>
    h.ctx.db
      .selectFrom('case_events')
      .select('type')
      .where('type', 'in', ['limit_warning', 'limit_breached'])
      .execute()

  /** Dials the confirmation call when it is due and answers it with `digits`. */
  async function returnCall(callbackId: string, digits: string) {
    const due = await h.ctx.db
      .selectFrom('callbacks')
      .select(['due_at', 'attempt'])
      .where('id', '=', callbackId)
      .executeTakeFirstOrThrow()
    clock.set(new Date(Math.max(clock.now().getTime(), due.due_at.getTime())))
    const attempt = due.attempt + 1
    expect(await dialCallback(h.ctx, { callbackId, attempt })).toBe('dialled')
    const create = createdCalls(h).at(-1)
    const callSid = legSidOf(create)
    const answer = parseTwiml(
      (await h.twilioPost(pathOf(String(create?.data['Url'])), { CallSid: callSid })).text,
    )
    await h.twilioPost(pathOf(find(answer, 'Gather')?.attrs['action'] ?? ''), {
      CallSid: callSid,
      Digits: digits,
    })
  }

  /** Two weeks later, the sweep finds nothing to warn about or report. */
  async function nothingLeftToReport() {
    clock.advance(14 * DAY_MS)
    expect(await runDeadlineSweep(h.ctx)).toMatchObject({ warned: 0, breached: 0 })
    expect(await limitEvents()).toEqual([])
  }

  it('ends every clock when the caller closes the case, and warns nobody after', async () => {
    clock.set(MONDAY_10AM)
    h = await createHarness({ clock })
    const c = await caseAwaitingConfirmation(h)
    await returnCall(c.callbackId, '1')
    const row = await h.ctx.db
      .selectFrom('cases')
      .select(['status', 'closed_at'])
      .where('id', '=', c.caseId)
      .executeTakeFirstOrThrow()
    expect(row.status).toBe('closed')
    // The record step (1 min, place and content never filled in) was late when it ended.
    expect(await outcomes(c.caseId)).toEqual([
      'confirmation_call#1:met',
      'dispatch#1:met',
      'record#1:missed',
      'resolution#1:met',
    ])
    expect((await clocks(c.caseId)).every((x) => x.ended_at !== null)).toBe(true)
    await nothingLeftToReport()
  })

  it('cancels the clocks not yet due when a case is referred, and reports nothing after', async () => {
    clock.set(MONDAY_10AM)
    h = await createHarness({ clock, env: { RING_WAVE_SIZE: '1' } })
    const call = await liveCall(h)
    clock.advance(30_000)
    const r = await request(h.app)
      .post(`/api/cases/${call.reference}/refer`)
      .set(call.auth)
      .send({ body: 'power-grid' })
    expect(r.status, JSON.stringify(r.body)).toBe(200)
    const { id } = await caseOf(h, call.reference)
    expect(await outcomes(id)).toEqual([
      'dispatch#1:met',
      'record#1:cancelled',
      'resolution#1:cancelled',
    ])
    await nothingLeftToReport()
  })

  it('cancels the clocks when a decline is approved, and reports nothing after', async () => {
    clock.set(MONDAY_10AM)
    h = await createHarness({ clock, env: { RING_WAVE_SIZE: '1' } })
    const id = await declineAndApprove(h, await liveCall(h), clock)
    expect(await outcomes(id)).toEqual([
      'dispatch#1:met',
      'record#1:missed',
      'resolution#1:cancelled',
    ])
    await nothingLeftToReport()
  })

  it('warns about no open clock of a case that has ended some other way', async () => {
    clock.set(MONDAY_10AM)
    h = await createHarness({ clock, env: { RING_WAVE_SIZE: '1' } })
    await liveCall(h)
    // A case ended by hand (an old row, a repair script) with its clocks still open.
    await h.ctx.db.updateTable('cases').set({ status: 'closed', closed_at: clock.now() }).execute()
    await nothingLeftToReport()
  })

  it('counts a return call dialled on schedule as on time, even when calling hours move it to the morning', async () => {
    clock.set(MONDAY_10AM)
    h = await createHarness({ clock, env: { RING_WAVE_SIZE: '1' } })
    const call = await liveCall(h)
    clock.set(new Date('2026-11-23T12:29:00Z')) // 20:29: +2 min is past calling hours (20:30)
    const done = await request(h.app)
      .post(`/api/cases/${call.reference}/work-done`)
      .set(call.auth)
      .send({ summary: 'Replaced the washer' })
    expect(done.status, JSON.stringify(done.body)).toBe(202)
    const { id } = await h.ctx.db
      .selectFrom('cases')
      .select('id')
      .where('reference', '=', call.reference)
      .executeTakeFirstOrThrow()
    const confirmation = async () => (await clocks(id)).find((x) => x.step === 'confirmation_call')
    // The window opens when the call may first be placed, Tuesday 08:30, and lasts 2 minutes.
    expect(await confirmation()).toMatchObject({
      started_at: new Date('2026-11-24T00:30:00Z'),
      due_at: new Date('2026-11-24T00:32:00Z'),
      outcome: 'open',
    })
    clock.set(new Date('2026-11-24T00:00:00Z')) // 08:00: not due, nothing to warn about
    await runDeadlineSweep(h.ctx)
    const cb = await h.ctx.db
      .selectFrom('callbacks')
      .select('id')
      .where('case_id', '=', id)
      .executeTakeFirstOrThrow()
    await returnCall(cb.id, '1') // dialled at 08:30, the moment it was scheduled for
    expect(await confirmation()).toMatchObject({
      ended_at: new Date('2026-11-24T00:30:00Z'),
      outcome: 'met',
    })
    const warned = await h.ctx.db
      .selectFrom('case_events')
      .select('data')
      .where('type', 'in', ['limit_warning', 'limit_breached'])
      .execute()
    expect(warned.map((e) => e.data)).not.toContainEqual(
      expect.objectContaining({ step: 'confirmation_call' }),
    )
  })

  it('opens round 2 on rework, with its own resolution and return-call clocks, shown in GET clocks', async () => {
    clock.set(MONDAY_10AM)
    h = await createHarness({ clock })
    const c = await caseAwaitingConfirmation(h)
    await returnCall(c.callbackId, '2') // not solved, at 10:02
    expect(await outcomes(c.caseId)).toEqual([
      'confirmation_call#1:met',
      'dispatch#1:met',
      'record#1:open',
      'resolution#1:met',
      'resolution#2:open',
    ])
    clock.set(new Date('2026-11-23T03:00:00Z')) // 11:00: done again
    const auth = await login(h, '1001')
    const again = await request(h.app)
      .post(`/api/cases/${c.reference}/work-done`)
      .set(auth)
      .send({ summary: 'Replaced the whole tap this time' })
    expect(again.status, JSON.stringify(again.body)).toBe(202)

    const view = await request(h.app).get(`/api/cases/${c.reference}`).set(auth)
    expect(view.status).toBe(200)
    // Running clocks first, nearest due first; then those that ended.
    expect(view.body.clocks).toEqual([
      {
        step: 'record',
        round: 1,
        department: null,
        startedAt: '2026-11-23T02:00:00.000Z',
        dueAt: '2026-11-23T02:01:00.000Z',
        originalDueAt: null,
        endedAt: null,
        outcome: 'open',
      },
      {
        step: 'confirmation_call',
        round: 2,
        department: null,
        startedAt: '2026-11-23T03:02:00.000Z',
        dueAt: '2026-11-23T03:04:00.000Z',
        originalDueAt: null,
        endedAt: null,
        outcome: 'open',
      },
      expect.objectContaining({ step: 'dispatch', round: 1, outcome: 'met' }),
      expect.objectContaining({ step: 'confirmation_call', round: 1, outcome: 'met' }),
      expect.objectContaining({ step: 'resolution', round: 1, outcome: 'met' }),
      {
        step: 'resolution',
        round: 2,
        department: null,
        startedAt: '2026-11-23T02:02:00.000Z',
        dueAt: '2026-12-02T02:02:00.000Z', // 7 working days from the rework
        originalDueAt: null,
        endedAt: '2026-11-23T03:00:00.000Z',
        outcome: 'met',
      },
    ])
  })
})

/**
 * The same clocks as 及时率 counts them (README "Rates: definitions"), through the real flow and
 * GET /api/rates. The template database may hold cases of its own, so each test reads the rate
 * before and after and checks the difference its one case makes.
 */
describe('the clocks as 及时率 counts them', () => {
  let h: Harness
  afterEach(async () => {
    h.edge.assertAllValid()
    await h.close()
  })

  async function timeliness(period: string) {
    const sup = await login(h, '2001')
    const r = await request(h.app).get(`/api/rates?period=${period}&by=all`).set(sup)
    expect(r.status, JSON.stringify(r.body)).toBe(200)
    const t = (
      r.body as { groups: { rates: { timeliness: { numerator: number; denominator: number } } }[] }
    ).groups[0]!.rates.timeliness
    return { met: t.numerator, counted: t.denominator }
  }

  it('counts a declined case: its step met, its late step missed, its cancelled step not at all', async () => {
    const clock = manualClock(MONDAY_10AM)
    h = await createHarness({ clock, env: { RING_WAVE_SIZE: '1' } })
    const before = await timeliness('2026-11')
    await declineAndApprove(h, await liveCall(h), clock)
    // dispatch met (+1 met, +1 counted), record missed (+1 counted), resolution cancelled (+0).
    // A decline never makes a step met: 1 of 2, not 3 of 3.
    expect(await timeliness('2026-11')).toEqual({
      met: before.met + 1,
      counted: before.counted + 2,
    })
  })

  it('counts each step once, in the month of its due time, whichever month it was done in', async () => {
    // 23:58:00 on Monday 30 November in Shanghai: the record step (1 min) is due at 23:59, the
    // dispatch step (2 min) at midnight.
    const clock = manualClock(new Date('2026-11-30T15:58:00Z'))
    h = await createHarness({ clock, env: { RING_WAVE_SIZE: '1' } })
    const nov = await timeliness('2026-11')
    const dec = await timeliness('2026-12')
    const call = await liveCall(h)
    const { id } = await caseOf(h, call.reference)
    const record = () =>
      h.ctx.db
        .selectFrom('case_deadlines')
        .select(['due_at', 'done_at', 'outcome'])
        .where('case_id', '=', id)
        .where('step', '=', 'record')
        .executeTakeFirstOrThrow()
    expect((await record()).due_at).toEqual(new Date('2026-11-30T15:59:00Z'))
    clock.set(new Date('2026-11-30T16:05:00Z')) // 00:05 on 1 December in Shanghai
    const saved = await request(h.app)
      .patch(`/api/cases/${call.reference}`)
      .set(call.auth)
      .send({ place: 'Building 3, unit 2', content: 'The lift is stuck between floors.' })
    expect(saved.status, JSON.stringify(saved.body)).toBe(200)
    expect(await record()).toMatchObject({ outcome: 'missed' })
    // The record step, due 23:59 on 30 November and done at 00:05 on 1 December, is counted
    // once, missed, in November: +0 met, +1 counted there. The dispatch step (2 min) was done at
    // 23:58 in November but is due at 00:00:00 on 1 December, the first instant of December: it
    // counts once, met, in December (+1 met, +1 counted), by its due time and not by when it was
    // done. The resolution step is still open and not yet due: nowhere.
    expect(await timeliness('2026-11')).toEqual({ met: nov.met, counted: nov.counted + 1 })
    expect(await timeliness('2026-12')).toEqual({ met: dec.met + 1, counted: dec.counted + 1 })
  })
})
