import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { createDb } from '../../src/db/database.ts'
import { openDeadline } from '../../src/deadlines/deadlines.repository.ts'
import { createLogger } from '../../src/logger.ts'
import type { Harness } from '../helpers/harness.ts'
import { createHarness, manualClock } from '../helpers/harness.ts'
import { liveCall } from '../helpers/live-call.ts'

const MONDAY_10AM = new Date('2026-11-23T02:00:00Z')

/**
 * 及时率 by group reads the group from the clock rows (migration 007400): the copies must equal
 * the case's columns whatever changed them and whenever the clock was opened, or a supervisor's
 * figure is silently wrong.
 */
describe("clocks carry their case's group columns", () => {
  let h: Harness
  const clock = manualClock(MONDAY_10AM)
  beforeAll(async () => {
    h = await createHarness({ clock })
  })
  afterAll(async () => {
    await h.close()
  })

  /** Every clock whose copy differs from its case: none, ever. */
  const mismatches = () =>
    h.ctx.db
      .selectFrom('case_deadlines as d')
      .innerJoin('cases as c', 'c.id', 'd.case_id')
      .select(['d.step', 'd.case_first_owner_id', 'c.first_owner_id'])
      .where(
        sql<boolean>`(d.case_first_owner_id, d.case_assignee_department_id, d.case_category_id)
          is distinct from (c.first_owner_id, c.assignee_department_id, c.category_id)`,
      )
      .execute()
  const id = (table: 'agents' | 'departments' | 'categories', col: string, v: string) =>
    h.ctx.db
      .selectFrom(table)
      .select('id')
      .where(sql.ref(col), '=', v)
      .executeTakeFirstOrThrow()
      .then((r) => r.id)

  it('copies the case on a call, then follows the owner, department and category as they change', async () => {
    const call = await liveCall(h)
    const kase = await h.ctx.db
      .selectFrom('cases')
      .select(['id', 'first_owner_id'])
      .where('reference', '=', call.reference)
      .executeTakeFirstOrThrow()
    const clocks = await h.ctx.db
      .selectFrom('case_deadlines')
      .select(['case_first_owner_id'])
      .where('case_id', '=', kase.id)
      .execute()
    expect(clocks.length).toBeGreaterThan(0)
    expect(clocks.every((c) => c.case_first_owner_id === kase.first_owner_id)).toBe(true)
    expect(kase.first_owner_id).toBe(await id('agents', 'job_number', '1001'))
    expect(await mismatches()).toEqual([])

    await h.ctx.db
      .updateTable('cases')
      .set({
        assignee_department_id: await id('departments', 'code', 'engineering'),
        category_id: await id('categories', 'code', 'complaint'),
      })
      .where('id', '=', kase.id)
      .execute()
    expect(await mismatches()).toEqual([])
  })

  it('gives a clock opened while another transaction changes its case the new value', async () => {
    const kase = await h.ctx.db
      .selectFrom('cases')
      .select('id')
      .orderBy('created_at', 'desc')
      .executeTakeFirstOrThrow()
    const other = await id('categories', 'code', 'inquiry')
    // A second pool: the change and the new clock on two connections, interleaved by hand.
    const db2 = createDb({ url: h.databaseUrl, logger: createLogger({ level: 'silent' }), max: 2 })
    try {
      let release!: () => void
      const held = new Promise<void>((r) => (release = r))
      let changed!: () => void
      const changing = new Promise<void>((r) => (changed = r))
      // The first owner never changes once set (a trigger refuses it); the category may.
      const change = db2.transaction().execute(async (trx) => {
        await trx
          .updateTable('cases')
          .set({ category_id: other })
          .where('id', '=', kase.id)
          .execute()
        changed()
        await held
      })
      await changing
      // Opened while the change is uncommitted: the insert waits for it, then copies it.
      const opened = openDeadline(h.ctx.db, {
        caseId: kase.id,
        step: 'supervisor_answer',
        startedAt: MONDAY_10AM,
        dueAt: new Date(MONDAY_10AM.getTime() + 3600_000),
        warnAt: new Date(MONDAY_10AM.getTime() + 3000_000),
      })
      const first = await Promise.race([
        opened.then(() => 'opened'),
        new Promise((r) => setTimeout(() => r('waiting'), 300)),
      ])
      expect(first).toBe('waiting')
      release()
      await change
      await opened
      const row = await h.ctx.db
        .selectFrom('case_deadlines')
        .select('case_category_id')
        .where('case_id', '=', kase.id)
        .where('step', '=', 'supervisor_answer')
        .executeTakeFirstOrThrow()
      expect(row.case_category_id).toBe(other)
      expect(await mismatches()).toEqual([])
    } finally {
      await db2.destroy()
    }
  })
})
