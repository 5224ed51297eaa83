import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { createDb, type Db } from '../../src/db/database.ts'
import { createLogger } from '../../src/logger.ts'
import { callIn } from '../helpers/call-steps.ts'
import type { Harness } from '../helpers/harness.ts'
import { createHarness } from '../helpers/harness.ts'

/**
 * The day's case counter is one row. A new case's number is taken in a statement of its own
 * before the case's transaction, so that row is never locked while the rest of a case is
 * written: at ten calls a second, holding it to the commit queued every new case behind the one
 * before it. Shown here by stalling a menu press inside its transaction (another session locks
 * the clocks' table): the number is already taken, and the counter is free for the next caller.
 */
describe('the case counter is not held through a case being opened', () => {
  let h: Harness
  let other: Db
  beforeAll(async () => {
    h = await createHarness()
    other = createDb({ url: h.databaseUrl, logger: createLogger({ level: 'silent' }), max: 2 })
  })
  afterAll(async () => {
    await other.destroy()
    await h.close()
  })

  const counter = async () =>
    (
      await sql<{
        v: number
      }>`select coalesce(max(last_value), 0)::int as v from case_reference_counters`.execute(
        h.ctx.db,
      )
    ).rows[0]?.v ?? 0

  it('takes the number first; a press stalled in its transaction holds no lock on the counter', async () => {
    const { sid, action } = await callIn(h)
    const before = await counter()
    let release: () => void = () => {}
    const held = new Promise<void>((r) => (release = r))
    let locked: () => void = () => {}
    const isLocked = new Promise<void>((r) => (locked = r))
    // Another session keeps the case's clocks from being written: the press stops there, in
    // the middle of its transaction, after the case row and before the commit.
    const blocker = other.transaction().execute(async (trx) => {
      await sql`lock table case_deadlines in exclusive mode`.execute(trx)
      locked()
      await held
    })
    await isLocked
    // Sent now (supertest sends when asked for its result), answered once the clocks are free.
    const press = h.twilioPost(action, { CallSid: sid, Digits: '1' }).then((r) => r)
    // The press waits there with its number already taken (and committed).
    const end = Date.now() + 10_000
    while ((await counter()) === before && Date.now() < end)
      await new Promise((r) => setTimeout(r, 20))
    expect(await counter()).toBe(before + 1)
    // The counter's row is free: the next caller need not wait for this case's commit.
    const free = await other.transaction().execute(async (trx) =>
      sql`select last_value from case_reference_counters for update nowait`.execute(trx).then(
        () => true,
        () => false,
      ),
    )
    expect(free).toBe(true)
    release()
    await blocker
    const res = await press
    expect(res.status).toBe(200)
    const kase = await h.ctx.db
      .selectFrom('calls')
      .innerJoin('cases', 'cases.id', 'calls.case_id')
      .select('cases.reference')
      .where('calls.call_sid', '=', sid)
      .executeTakeFirstOrThrow()
    expect(kase.reference).toMatch(new RegExp(`-${String(before + 1).padStart(4, '0')}$`))
  })
})
