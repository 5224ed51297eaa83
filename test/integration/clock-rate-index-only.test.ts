import { type CompiledQuery, Kysely, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'

import { down, up } from '../../db/migrations/2026_12_03_008600_clock_rate_index_only.ts'
import type { Db } from '../../src/db/database.ts'
import { timelinessCounts } from '../../src/rates/rates.repository.ts'
import { cloneTestDatabase } from '../helpers/databases.ts'

/**
 * Migration 008600: 及时率 reads a month's clocks from case_deadlines_rate_groups_idx alone, with
 * no fetch from the table per clock (on a year of data that was most of the statement's time).
 */
describe('a month of clocks is counted from the index alone', () => {
  let db: Db
  let pool: pg.Pool
  let drop: () => Promise<void>
  const seen: CompiledQuery[] = []

  beforeAll(async () => {
    const clone = await cloneTestDatabase(inject('pgServerUrl'))
    drop = clone.drop
    // One connection, so the planner settings below hold for every statement.
    pool = new pg.Pool({ connectionString: clone.url, max: 1 })
    // The database is dropped WITH (FORCE) at the end: no unhandled 'error' from a client then.
    pool.on('error', () => undefined)
    pool.on('connect', (client) => client.on('error', () => undefined))
    db = new Kysely({
      dialect: new PostgresDialect({ pool }),
      log: (e) => {
        if (e.level === 'query') seen.push(e.query)
      },
    })
    // Clocks of a thousand cases over a few months, some extended (original_due_at set).
    await sql`
      insert into cases (reference, status, created_at)
      select 'HL-20260601-' || lpad(i::text, 4, '0'), 'in_progress', '2026-06-01'::timestamptz
      from generate_series(1, 1000) i`.execute(db)
    await sql`
      insert into case_deadlines (case_id, step, started_at, due_at, warn_at, outcome,
        ended_at, original_due_at)
      select k.id, s.step, k.created_at, d.due, d.due, o.outcome,
        case when o.outcome <> 'open' then d.due end,
        case when k.id % 5 = 0 then d.due - interval '3 days' end
      from cases k
      cross join (values ('record'), ('dispatch'), ('resolution')) s(step)
      cross join lateral (select '2026-05-01'::timestamptz + (k.id % 120) * interval '1 day' as due) d
      cross join lateral (
        select (array['met', 'missed', 'open', 'cancelled'])[1 + k.id % 4] as outcome) o`.execute(
      db,
    )
    // As autovacuum keeps a live table: its pages marked all-visible, its statistics fresh.
    await sql`vacuum analyze case_deadlines`.execute(db)
    // A small table would be read whole; what is tested is how the index is read.
    await sql`set enable_seqscan = off`.execute(db)
    await sql`set enable_bitmapscan = off`.execute(db)
  })
  afterAll(async () => {
    await db.destroy()
    await drop()
  })

  async function planOfJune(): Promise<string> {
    seen.length = 0
    const june = {
      from: new Date('2026-05-31T16:00:00Z'),
      to: new Date('2026-06-30T16:00:00Z'),
      now: new Date('2026-12-01T00:00:00Z'),
    }
    const counts = await timelinessCounts(db, june, 'agent')
    expect(counts.length).toBeGreaterThan(0)
    const q = seen.find((s) => s.sql.includes('case_deadlines'))
    if (!q) throw new Error('timelinessCounts ran no statement on case_deadlines')
    const r = await pool.query(`explain ${q.sql}`, q.parameters as unknown[])
    return r.rows.map((x: Record<string, string>) => x['QUERY PLAN']).join('\n')
  }

  it('reads the index alone, and fetched every clock from the table before 008600', async () => {
    expect(await planOfJune()).toContain('Index Only Scan using case_deadlines_rate_groups_idx')
    await down(db)
    await sql`vacuum analyze case_deadlines`.execute(db)
    const before = await planOfJune()
    expect(before).toContain('Index Scan using case_deadlines_rate_groups_idx')
    expect(before).not.toContain('Index Only Scan')
    await up(db)
    await sql`vacuum analyze case_deadlines`.execute(db)
    expect(await planOfJune()).toContain('Index Only Scan using case_deadlines_rate_groups_idx')
  })
})
