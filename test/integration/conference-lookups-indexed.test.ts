import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'

import { down, up } from '../../db/migrations/2026_12_03_008500_calls_by_conference.ts'
import type { Db } from '../../src/db/database.ts'
import { createDb } from '../../src/db/database.ts'
import { createLogger } from '../../src/logger.ts'
import { cloneTestDatabase } from '../helpers/databases.ts'

/**
 * Migration 008500: every conference status callback finds the call in its room by the
 * conference's sid. On a day's or a year's calls that must be an index lookup, not a read of
 * the whole table (the bench's hotline day found it so: Postgres's CPU grew with the day).
 */
describe('calls are found by their conference without reading the table', () => {
  let db: Db
  let drop: () => Promise<void>

  beforeAll(async () => {
    const clone = await cloneTestDatabase(inject('pgServerUrl'))
    drop = clone.drop
    db = createDb({ url: clone.url, logger: createLogger({ level: 'silent' }), max: 2 })
    // A day of calls: callers in rooms of their own, agents' legs beside them.
    await sql`
      insert into calls (call_sid, direction, kind, conference_sid, status_rank)
      select 'CA' || md5(i::text), case when i % 3 = 0 then 'inbound' else 'outbound' end,
        case when i % 3 = 0 then 'caller' else 'agent_offer' end,
        'CF' || md5((i / 3)::text), 4
      from generate_series(1, 30000) i
    `.execute(db)
    await sql`analyze calls`.execute(db)
  })
  afterAll(async () => {
    await db.destroy()
    await drop()
  })

  const plan = async (query: string) =>
    (await sql.raw<{ 'QUERY PLAN': string }>(`explain ${query}`).execute(db)).rows
      .map((r) => r['QUERY PLAN'])
      .join('\n')
  const room = `'CF${'0'.repeat(32)}'`
  // The shapes of the lookups in transfer-control.ts, transfer-end.ts and recorded-call.ts.
  const lookups = [
    `select call_sid, status_rank from calls where conference_sid = ${room} and kind = 'caller'`,
    `select call_sid from calls where conference_sid = ${room}`,
  ]

  it('uses calls_conference_idx, and read the whole table without it', async () => {
    for (const q of lookups) {
      const p = await plan(q)
      expect(p).toContain('calls_conference_idx')
      expect(p).not.toContain('Seq Scan on calls')
    }
    await down(db)
    try {
      for (const q of lookups) expect(await plan(q)).toContain('Seq Scan on calls')
    } finally {
      await up(db)
    }
  })
})
