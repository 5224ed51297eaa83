import { sql } from 'kysely'
import { afterEach, describe, expect, it } from 'vitest'

import { makeDialSlots } from '../../src/callbacks/dial-slots.ts'
import { dialCallback, dialDueCallbacks } from '../../src/callbacks/dialer.ts'
import { callbackJobId } from '../../src/queues/callbacks.queue.ts'
import { createdCalls } from '../helpers/call-steps.ts'
import type { Harness } from '../helpers/harness.ts'
import { createHarness, manualClock, pathOf } from '../helpers/harness.ts'

/** 2026-11-23 10:00 in Shanghai: a Monday morning, inside calling hours. */
const MONDAY_10AM = new Date('2026-11-23T02:00:00Z')

/**
 * `n` cases awaiting the caller's confirmation (each caller their own number, agent 1001
 * owning them all) with their callbacks due at `dueAt` and on the schedule.
 */
async function dueCallbacks(
  h: Harness,
  n: number,
  dueAt: Date,
  purpose: 'confirmation' | 'promised_reply' = 'confirmation',
) {
  const first = Number(
    (await sql<{ n: string }>`select count(*) as n from callers`.execute(h.ctx.db)).rows[0]?.n,
  )
  const created = await sql<{ id: string }>`
    with callers_new as (
      insert into callers (phone_number)
      select '+86139' || lpad((${first} + g)::text, 8, '0') from generate_series(1, ${n}) g
      returning id
    ), cases_new as (
      insert into cases (reference, hotline_number, caller_id, status, first_owner_id)
      select 'HL-20261123-9' || lpad(c.id::text, 5, '0'), '+8657112345', c.id,
        'awaiting_confirmation', (select id from agents where job_number = '1001')
      from callers_new c
      returning id
    )
    insert into callbacks (case_id, purpose, due_at, max_attempts)
    select id, ${purpose}, ${dueAt}, 5 from cases_new
    returning id
  `.execute(h.ctx.db)
  const rows = await h.ctx.db
    .selectFrom('callbacks')
    .innerJoin('cases', 'cases.id', 'callbacks.case_id')
    .innerJoin('callers', 'callers.id', 'cases.caller_id')
    .select(['callbacks.id', 'callbacks.case_id', 'callers.phone_number as phone'])
    .where(
      'callbacks.id',
      'in',
      created.rows.map((r) => r.id),
    )
    .orderBy('callbacks.id')
    .execute()
  await h.ctx.scheduler.scheduleMany(rows.map((r) => ({ callbackId: r.id, attempt: 1, dueAt })))
  return rows
}

/** Holds the row as another job's claim would, until told to commit or roll back. */
async function holdClaim(h: Harness, callbackId: string) {
  const release = Promise.withResolvers<'commit' | 'rollback'>()
  const locked = Promise.withResolvers<void>()
  const done = h.ctx.db
    .transaction()
    .execute(async (trx) => {
      await sql`select id from callbacks where id = ${callbackId} for update`.execute(trx)
      await trx
        .updateTable('callbacks')
        .set({ status: 'dialing', attempt: 1 })
        .where('id', '=', callbackId)
        .execute()
      locked.resolve()
      if ((await release.promise) === 'rollback') throw new Error('rolled back')
    })
    .catch(() => undefined)
  await locked.promise
  return async (how: 'commit' | 'rollback') => {
    release.resolve(how)
    await done
  }
}

/**
 * A burst of return calls due at once is drained by a few jobs, each claiming other due
 * callbacks along with its own. Every callback is still rung once, by one claim in Postgres.
 */
describe('return calls due at once, claimed in batches', () => {
  let h: Harness
  const clock = manualClock(MONDAY_10AM)
  afterEach(async () => {
    h.edge.assertAllValid()
    await h.close()
  })

  const callbacks = () => h.ctx.db.selectFrom('callbacks').selectAll().orderBy('id').execute()
  const attempts = () =>
    h.ctx.db.selectFrom('callback_attempts').selectAll().orderBy('callback_id').execute()
  const dialledIds = () =>
    createdCalls(h).map((r) => new URL(String(r.data['Url'])).searchParams.get('cb'))

  it('dials its own callback and the others already due, once each, and drops their jobs', async () => {
    clock.set(MONDAY_10AM)
    h = await createHarness({ clock })
    const due = await dueCallbacks(h, 5, MONDAY_10AM)
    const later = await dueCallbacks(h, 1, new Date(MONDAY_10AM.getTime() + 10 * 60_000))
    const [own, ...others] = due
    if (!own) throw new Error('no callbacks')

    const slots = makeDialSlots(100)
    const outcome = await dialDueCallbacks(
      h.ctx,
      { callbackId: own.id, attempt: 1 },
      { size: 10, slots },
    )
    expect(outcome).toEqual({ own: 'dialled', others: { dialled: 4 } })
    expect(dialledIds().sort()).toEqual(due.map((c) => c.id).sort())
    for (const c of due) {
      const create = createdCalls(h).find((r) => r.data['To'] === c.phone)
      expect(create?.data).toMatchObject({ From: '+8657112345', MachineDetection: 'Enable' })
      expect(pathOf(String(create?.data['Url']))).toContain(`cb=${c.id}&a=1`)
    }
    // Postgres has the claim, the CallSid and the case event of each; the later one is untouched.
    const rows = await callbacks()
    expect(rows.filter((r) => r.status === 'dialing').map((r) => r.id)).toEqual(
      due.map((c) => c.id),
    )
    expect(rows.find((r) => r.id === later[0]?.id)).toMatchObject({ status: 'pending', attempt: 0 })
    const made = await attempts()
    expect(made).toHaveLength(5)
    expect(made.every((a) => a.attempt === 1 && a.call_sid?.startsWith('CA'))).toBe(true)
    const events = await h.ctx.db
      .selectFrom('case_events')
      .select(['case_id', 'data', 'first_owner_id'])
      .where('type', '=', 'callback_attempt')
      .orderBy('case_id')
      .execute()
    expect(events.map((e) => e.case_id)).toEqual(due.map((c) => c.case_id))
    expect(events[0]?.data).toEqual({ callbackId: own.id, purpose: 'confirmation', attempt: 1 })
    expect(events.every((e) => e.first_owner_id !== null)).toBe(true)

    // The others' jobs are gone; the later one's stays; a stray run of any dials nothing.
    for (const c of others) {
      expect(
        await h.ctx.callbacksQueue.getJob(
          callbackJobId({ callbackId: c.id, attempt: 1, dueAt: MONDAY_10AM }),
        ),
      ).toBeUndefined()
      expect(await dialCallback(h.ctx, { callbackId: c.id, attempt: 1 })).toBe('skipped')
    }
    const laterJob = callbackJobId({
      callbackId: later[0]?.id ?? '',
      attempt: 1,
      dueAt: new Date(MONDAY_10AM.getTime() + 10 * 60_000),
    })
    expect(await h.ctx.callbacksQueue.getJob(laterJob)).toBeDefined()
    expect(createdCalls(h)).toHaveLength(5)
    // Every slot came back once the answers were in.
    expect(slots.take(1000)).toBe(100)
  })

  it('takes along no more others than there are free slots', async () => {
    clock.set(MONDAY_10AM)
    h = await createHarness({ clock })
    const [own] = await dueCallbacks(h, 6, MONDAY_10AM)
    const slots = makeDialSlots(2)
    const outcome = await dialDueCallbacks(
      h.ctx,
      { callbackId: own?.id ?? '', attempt: 1 },
      { size: 10, slots },
    )
    expect(outcome).toEqual({ own: 'dialled', others: { dialled: 2 } })
    expect((await callbacks()).filter((r) => r.status === 'pending')).toHaveLength(3)
    expect(slots.take(10)).toBe(2)
  })

  it('cancels the others whose case is closed, and rings the owner first for a promised reply', async () => {
    clock.set(MONDAY_10AM)
    h = await createHarness({ clock })
    const [own, closed] = await dueCallbacks(h, 2, MONDAY_10AM)
    const [promised] = await dueCallbacks(h, 1, MONDAY_10AM, 'promised_reply')
    await h.ctx.db
      .updateTable('cases')
      .set({ status: 'closed', closed_at: MONDAY_10AM, closed_by: 'caller' })
      .where('id', '=', closed?.case_id ?? '')
      .execute()

    const outcome = await dialDueCallbacks(
      h.ctx,
      { callbackId: own?.id ?? '', attempt: 1 },
      { size: 10, slots: makeDialSlots(10) },
    )
    expect(outcome).toEqual({ own: 'dialled', others: { cancelled: 1, dialled: 1 } })
    expect(await callbacks()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: closed?.id, status: 'cancelled', outcome: 'case is closed' }),
        expect.objectContaining({ id: promised?.id, status: 'dialing', attempt: 1 }),
      ]),
    )
    expect((await attempts()).map((a) => a.callback_id).sort()).toEqual(
      [own?.id, promised?.id].sort(),
    )
    const ring = createdCalls(h).find((r) => r.data['To'] === 'client:agent-1001')
    expect(pathOf(String(ring?.data['Url']))).toContain('/voice/callback/person')
    expect(ring?.data['MachineDetection']).toBeUndefined()
  })

  it('leaves the attempt of a batch whose request Twilio refused to the retry policy', async () => {
    clock.set(MONDAY_10AM)
    h = await createHarness({ clock })
    const [own] = await dueCallbacks(h, 3, MONDAY_10AM)
    h.edge.failNext(1, {
      statusCode: 500,
      body: { code: 20500, message: 'Internal Server Error', status: 500 },
    })
    const outcome = await dialDueCallbacks(
      h.ctx,
      { callbackId: own?.id ?? '', attempt: 1 },
      { size: 10, slots: makeDialSlots(10) },
    )
    const results = [
      outcome.own,
      ...Object.entries(outcome.others).flatMap(([r, n]) => Array<string>(n).fill(r)),
    ]
    expect(results.sort()).toEqual(['dialled', 'dialled', 'failed'])
    const rows = await callbacks()
    const retried = rows.filter((r) => r.status === 'pending')
    expect(retried).toHaveLength(1)
    expect(retried[0]).toMatchObject({ attempt: 1 })
    expect(retried[0]?.due_at.getTime()).toBe(MONDAY_10AM.getTime() + 10 * 60_000)
    expect(rows.filter((r) => r.status === 'dialing')).toHaveLength(2)
  })

  it('lets two jobs drain one burst together without ringing anyone twice', async () => {
    clock.set(MONDAY_10AM)
    h = await createHarness({ clock })
    const due = await dueCallbacks(h, 30, MONDAY_10AM)
    const batching = { size: 12, slots: makeDialSlots(100) }
    const both = await Promise.all(
      due
        .slice(0, 2)
        .map((c) => dialDueCallbacks(h.ctx, { callbackId: c.id, attempt: 1 }, batching)),
    )
    expect(both.map((o) => o.own)).toEqual(['dialled', 'dialled'])
    // Whatever is left is claimed by its own jobs, as the queue would run them.
    for (const c of due) await dialCallback(h.ctx, { callbackId: c.id, attempt: 1 })
    const ids = dialledIds()
    expect(ids).toHaveLength(30)
    expect(new Set(ids).size).toBe(30)
    expect(await attempts()).toHaveLength(30)
  })

  it('defers a job whose callback another claim holds, taking the others along meanwhile', async () => {
    clock.set(MONDAY_10AM)
    h = await createHarness({ clock })
    const [own, other] = await dueCallbacks(h, 2, MONDAY_10AM)
    const batching = { size: 10, slots: makeDialSlots(10) }
    const job = { callbackId: own?.id ?? '', attempt: 1 }
    const release = await holdClaim(h, job.callbackId)
    // Not waited for: the job is told to come back; the other due one is rung meanwhile.
    const held = await dialDueCallbacks(h.ctx, job, batching)
    await release('commit')
    expect(held).toEqual({ own: 'busy', others: { dialled: 1 } })
    expect(dialledIds()).toEqual([other?.id])
    expect(batching.slots.take(10)).toBe(10)
    batching.slots.give(10)
    // Back after the claim that held it committed: claimed, so nothing to do.
    expect(await dialDueCallbacks(h.ctx, job, batching)).toEqual({ own: 'skipped', others: {} })
    expect(createdCalls(h)).toHaveLength(1)
  })

  it('dials a deferred job once the claim that held its callback rolled back', async () => {
    clock.set(MONDAY_10AM)
    h = await createHarness({ clock })
    const [own] = await dueCallbacks(h, 1, MONDAY_10AM)
    const job = { callbackId: own?.id ?? '', attempt: 1 }
    const release = await holdClaim(h, job.callbackId)
    const held = await dialCallback(h.ctx, job)
    await release('rollback')
    expect(held).toBe('busy')
    expect(await dialCallback(h.ctx, job)).toBe('dialled')
    expect(createdCalls(h)).toHaveLength(1)
  })

  it('skips, without waiting, a due callback another transaction holds', async () => {
    clock.set(MONDAY_10AM)
    h = await createHarness({ clock })
    const [own, held, free] = await dueCallbacks(h, 3, MONDAY_10AM)
    const release = Promise.withResolvers<void>()
    const locked = Promise.withResolvers<void>()
    const holding = h.ctx.db.transaction().execute(async (trx) => {
      await sql`select id from callbacks where id = ${held?.id} for update`.execute(trx)
      locked.resolve()
      await release.promise
    })
    await locked.promise
    const outcome = await dialDueCallbacks(
      h.ctx,
      { callbackId: own?.id ?? '', attempt: 1 },
      { size: 10, slots: makeDialSlots(10) },
    )
    release.resolve()
    await holding
    expect(outcome).toEqual({ own: 'dialled', others: { dialled: 1 } })
    expect(dialledIds().sort()).toEqual([own?.id, free?.id].sort())
    expect((await callbacks()).find((r) => r.id === held?.id)?.status).toBe('pending')
  })
})

describe('the callbacks worker in a burst', () => {
  let h: Harness
  afterEach(async () => {
    h.edge.assertAllValid()
    await h.close()
  })

  it('rings every callback due at once exactly once and leaves no job behind', async () => {
    // Two jobs at a time: the first batches claim the rest before their jobs come up.
    h = await createHarness({
      env: {
        CALLING_HOURS: '00:00-24:00',
        CALLBACK_DIAL_BATCH: '8',
        CALLBACK_WORKER_CONCURRENCY: '2',
      },
    })
    const dueAt = new Date(Date.now() + 500)
    const n = 40
    await dueCallbacks(h, n, dueAt)
    h.ctx.startWorkers()

    const end = Date.now() + 20_000
    while (Date.now() < end) {
      const counts = await h.ctx.callbacksQueue.getJobCounts('waiting', 'delayed', 'active')
      if (
        createdCalls(h).length >= n &&
        counts['waiting'] === 0 &&
        counts['delayed'] === 0 &&
        counts['active'] === 0
      )
        break
      await new Promise((r) => setTimeout(r, 100))
    }
    const dialled = createdCalls(h).map((r) =>
      new URL(String(r.data['Url'])).searchParams.get('cb'),
    )
    expect(dialled).toHaveLength(n)
    expect(new Set(dialled).size).toBe(n)
    const attempts = await h.ctx.db.selectFrom('callback_attempts').selectAll().execute()
    expect(attempts).toHaveLength(n)
    expect(attempts.every((a) => a.call_sid !== null)).toBe(true)
    // Batches did the dialling: most jobs were dropped rather than run.
    expect((await h.ctx.callbacksQueue.getJobCounts('completed'))['completed']).toBeLessThan(n)
  }, 30_000)

  it('runs a job again shortly when another claim holds its callback, using no attempt', async () => {
    h = await createHarness({ env: { CALLING_HOURS: '00:00-24:00' } })
    const dueAt = new Date()
    const [cb] = await dueCallbacks(h, 1, dueAt)
    const release = await holdClaim(h, cb?.id ?? '')
    try {
      h.ctx.startWorkers()
      const job = async () =>
        h.ctx.callbacksQueue.getJob(callbackJobId({ callbackId: cb?.id ?? '', attempt: 1, dueAt }))
      const until = async (what: string, ok: () => Promise<boolean>) => {
        const end = Date.now() + 10_000
        while (!(await ok())) {
          if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
          await new Promise((r) => setTimeout(r, 50))
        }
      }
      await until(
        'the job to be put back',
        async () => (await (await job())?.getState()) === 'delayed',
      )
      await release('commit')
      await until('the job to run again', async () => !!(await job())?.finishedOn)
      // One run counted (the one that finished); the deferral was no failed attempt.
      const ran = await job()
      expect(ran?.returnvalue).toBe('skipped')
      expect(ran?.attemptsMade).toBe(1)
      expect(ran?.failedReason).toBeFalsy()
      expect(createdCalls(h)).toHaveLength(0)
    } finally {
      await release('rollback') // a no-op once committed; never leaves the row held
    }
  }, 20_000)
})
