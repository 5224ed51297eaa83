import { type CompiledQuery, Kysely, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'

import { down, up } from '../../db/migrations/2026_12_03_008700_attempt_rate_groups.ts'
import { writeClaims } from '../../src/callbacks/dial-batch.repository.ts'
import type { Db } from '../../src/db/database.ts'
import { createDb } from '../../src/db/database.ts'
import { loadDemoData } from '../../src/db/demo-data.ts'
import { createLogger } from '../../src/logger.ts'
import type { RateDimension } from '../../src/rates/rates.repository.ts'
import { satisfactionCounts } from '../../src/rates/rates.repository.ts'
import { cloneTestDatabase } from '../helpers/databases.ts'
import { insertCaseWithCallback } from '../helpers/return-call-rows.ts'

const NOVEMBER = {
  from: new Date('2026-10-31T16:00:00Z'),
  to: new Date('2026-11-30T16:00:00Z'),
  now: new Date('2026-12-02T00:00:00Z'),
}

/**
 * Migration 008700: 满意率 by group reads the group from the attempt rows. The copies must equal
 * the case's columns whatever changed them and whenever the attempt was written, or a
 * supervisor's figure is silently wrong; and the month is read from the verdict index alone.
 */
describe("return-call attempts carry their case's group columns", () => {
  let db: Db
  let drop: () => Promise<void>
  let url: string
  let n = 0
  const ids: Record<string, number> = {}

  beforeAll(async () => {
    const clone = await cloneTestDatabase(inject('pgServerUrl'))
    drop = clone.drop
    url = clone.url
    db = createDb({ url, logger: createLogger({ level: 'silent' }), max: 2 })
    await loadDemoData(db)
    for (const [table, col, v] of [
      ['agents', 'job_number', '1001'],
      ['agents', 'job_number', '1002'],
      ['departments', 'code', 'engineering'],
      ['categories', 'code', 'complaint'],
      ['categories', 'code', 'inquiry'],
    ] as const) {
      const r = await db
        .selectFrom(table)
        .select('id')
        .where(sql.ref(col), '=', v)
        .executeTakeFirstOrThrow()
      ids[v] = r.id
    }
  })
  afterAll(async () => {
    await db.destroy()
    await drop()
  })

  /** Every attempt whose copy differs from its case: none, ever. */
  const mismatches = () =>
    db
      .selectFrom('callback_attempts as a')
      .innerJoin('cases as c', 'c.id', 'a.case_id')
      .select(['a.id', 'a.case_first_owner_id', 'c.first_owner_id'])
      .where(
        sql<boolean>`(a.case_first_owner_id, a.case_assignee_department_id, a.case_category_id)
          is distinct from (c.first_owner_id, c.assignee_department_id, c.category_id)`,
      )
      .execute()

  const caseWithCallback = (owner: number | null, category: number | null) =>
    insertCaseWithCallback(db, ++n, { firstOwnerId: owner, categoryId: category })

  it('copies the case when the dialler writes an attempt, then follows the case as it changes', async () => {
    const a = await caseWithCallback(ids['1001'] ?? null, ids['complaint'] ?? null)
    await writeClaims(db, { dial: [a.callbackId], cancel: [], at: NOVEMBER.now })
    const row = await db
      .selectFrom('callback_attempts')
      .select(['case_first_owner_id', 'case_category_id', 'case_assignee_department_id'])
      .where('callback_id', '=', a.callbackId)
      .executeTakeFirstOrThrow()
    expect(row).toEqual({
      case_first_owner_id: ids['1001'],
      case_category_id: ids['complaint'],
      case_assignee_department_id: null,
    })
    await db
      .updateTable('cases')
      .set({ assignee_department_id: ids['engineering'], category_id: ids['inquiry'] })
      .where('id', '=', a.caseId)
      .execute()
    expect(await mismatches()).toEqual([])
    // A case taken by its first owner after an attempt was written (a voicemail's case).
    const b = await caseWithCallback(null, null)
    await sql`insert into callback_attempts (callback_id, attempt, started_at)
      values (${b.callbackId}, 1, now())`.execute(db)
    await db
      .updateTable('cases')
      .set({ first_owner_id: ids['1002'] })
      .where('id', '=', b.caseId)
      .execute()
    expect(await mismatches()).toEqual([])
  })

  it('gives an attempt written while another transaction changes its case the new value', async () => {
    const a = await caseWithCallback(ids['1001'] ?? null, ids['complaint'] ?? null)
    const db2 = createDb({ url, logger: createLogger({ level: 'silent' }), max: 2 })
    try {
      let release!: () => void
      const held = new Promise<void>((r) => (release = r))
      let changed!: () => void
      const changing = new Promise<void>((r) => (changed = r))
      const change = db2.transaction().execute(async (trx) => {
        await trx
          .updateTable('cases')
          .set({ category_id: ids['inquiry'] })
          .where('id', '=', a.caseId)
          .execute()
        changed()
        await held
      })
      await changing
      const written = writeClaims(db, { dial: [a.callbackId], cancel: [], at: NOVEMBER.now })
      const first = await Promise.race([
        written.then(() => 'written'),
        new Promise((r) => setTimeout(() => r('waiting'), 300)),
      ])
      expect(first).toBe('waiting')
      release()
      await change
      await written
      const row = await db
        .selectFrom('callback_attempts')
        .select('case_category_id')
        .where('callback_id', '=', a.callbackId)
        .executeTakeFirstOrThrow()
      expect(row.case_category_id).toBe(ids['inquiry'])
      expect(await mismatches()).toEqual([])
    } finally {
      await db2.destroy()
    }
  })

  // Before the migration test below: the index that its `up` builds right after updating every
  // attempt may be left unusable to older snapshots (pg_index.indcheckxmin) while other test
  // files run transactions beside this one, so the plan is checked on the index as built with
  // the template.
  it('reads a month of verdicts from the index alone, joining nothing', async () => {
    const k = await caseWithCallback(ids['1002'] ?? null, ids['inquiry'] ?? null)
    await sql`insert into callback_attempts (callback_id, attempt, started_at, answered_at,
        outcome, rating)
      values (${k.callbackId}, 1, ${NOVEMBER.now}, '2026-11-20T02:00:00Z', 'confirmed', 5)`.execute(
      db,
    )
    const seen: CompiledQuery[] = []
    // One connection, so the planner settings below hold for the statement explained.
    const pool = new pg.Pool({ connectionString: url, max: 1 })
    // The file's database is dropped WITH (FORCE) at the end; a connection still open then must
    // not crash the run with an unhandled 'error' (it did once under a loaded CI run).
    pool.on('error', () => undefined)
    pool.on('connect', (client) => client.on('error', () => undefined))
    const one = new Kysely<never>({
      dialect: new PostgresDialect({ pool }),
      log: (e) => {
        if (e.level === 'query') seen.push(e.query)
      },
    }) as unknown as Db
    try {
      await sql`vacuum analyze callback_attempts`.execute(one)
      // A small table would be read whole; what is tested is how the index is read.
      await sql`set enable_seqscan = off`.execute(one)
      await sql`set enable_bitmapscan = off`.execute(one)
      seen.length = 0
      expect((await satisfactionCounts(one, NOVEMBER, 'agent')).length).toBeGreaterThan(0)
      const q = seen.find((s) => s.sql.includes('callback_attempts'))
      if (!q) throw new Error('satisfactionCounts ran no statement on callback_attempts')
      const r = await pool.query(`explain ${q.sql}`, q.parameters as unknown[])
      const plan = r.rows.map((x: Record<string, string>) => x['QUERY PLAN']).join('\n')
      expect(plan).toContain('Index Only Scan using callback_attempts_verdict_groups_idx')
      expect(plan).not.toContain('cases')
    } finally {
      await one.destroy()
    }
  })

  it('the migration fills attempts written before it; the counts are those of the join to cases', async () => {
    // 满意率 as it was counted before 008700: through the case.
    const byJoin = async (by: Exclude<RateDimension, 'all'>) => {
      const col = {
        agent: 'first_owner_id',
        department: 'assignee_department_id',
        category: 'category_id',
      }[by]
      const r = await sql<{ group_id: number | null; num: string; den: string }>`
        select c.${sql.ref(col)} as group_id,
          count(*) filter (where a.outcome = 'confirmed' and (a.rating is null or a.rating >= 4))
            as num, count(*) as den
        from callback_attempts a join cases c on c.id = a.case_id
        where a.outcome in ('confirmed', 'rework') and a.answered_at >= ${NOVEMBER.from}
          and a.answered_at < ${NOVEMBER.to}
        group by 1`.execute(db)
      return r.rows.map((x) => ({
        groupId: x.group_id,
        counts: { satisfaction: { numerator: Number(x.num), denominator: Number(x.den) } },
      }))
    }
    await down(db)
    const owners = [ids['1001'], ids['1002'], null]
    const cats = [ids['complaint'], ids['inquiry'], null]
    for (let i = 0; i < 12; i++) {
      const k = await caseWithCallback(owners[i % 3] ?? null, cats[i % 2 === 0 ? 0 : 1] ?? null)
      if (i % 4 === 0)
        await db
          .updateTable('cases')
          .set({ assignee_department_id: ids['engineering'] })
          .where('id', '=', k.caseId)
          .execute()
      await sql`insert into callback_attempts (callback_id, attempt, started_at, answered_at,
          outcome, rating)
        values (${k.callbackId}, 1, ${NOVEMBER.now}, '2026-11-10T02:00:00Z', 'rework', null),
          (${k.callbackId}, 2, ${NOVEMBER.now}, '2026-11-12T02:00:00Z', 'confirmed', ${1 + (i % 5)})`.execute(
        db,
      )
    }
    await up(db)
    expect(await mismatches()).toEqual([])
    const sorted = (r: { groupId: number | null }[]) =>
      [...r].sort((x, y) => (x.groupId ?? -1) - (y.groupId ?? -1))
    for (const by of ['agent', 'department', 'category'] as const) {
      const counts = await satisfactionCounts(db, NOVEMBER, by)
      expect(counts.length).toBeGreaterThan(1)
      expect(sorted(counts)).toEqual(sorted(await byJoin(by)))
    }
  })
})
