import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'

import { down, up } from '../../db/migrations/2026_12_03_008500_calls_by_conference.ts'
import type { Db } from '../../src/db/database.ts'
import { createDb } from '../../src/db/database.ts'
import { createLogger } from '../../src/logger.ts'
import { cloneTestDatabase } from '../helpers/databases.ts'

/**
 * Migration 008500: every conference status callback finds the call in its room by the
 * conference's sid, or by its name when the room starts. On a day's or a year's calls that must be an index lookup, not a read of
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
      insert into calls (call_sid, direction, kind, conference_sid, conference_name, status_rank)
      select 'CA' || md5(i::text), case when i % 3 = 0 then 'inbound' else 'outbound' end,
        case when i % 3 = 0 then 'caller' else 'agent_offer' end,
        'CF' || md5((i / 3)::text), 'call-CA' || md5(i::text), 4
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
  const lookups: [string, string][] = [
    [
      `select call_sid, status_rank from calls where conference_sid = ${room} and kind = 'caller'`,
      'calls_conference_idx',
    ],
    [`select call_sid from calls where conference_sid = ${room}`, 'calls_conference_idx'],
    // The conference's start, in calls.repository.ts's setConferenceSid.
    [
      `update calls set conference_sid = ${room} where conference_name = 'call-CA${'0'.repeat(32)}' and kind = 'caller' and conference_sid is null`,
      'calls_conference_name_idx',
    ],
  ]

  it('uses the indexes, and read the whole table without them', async () => {
    for (const [q, index] of lookups) {
      const p = await plan(q)
      expect(p).toContain(index)
      expect(p).not.toContain('Seq Scan on calls')
    }
    await down(db)
    try {
      for (const [q] of lookups) expect(await plan(q)).toContain('Seq Scan on calls')
    } finally {
      await up(db)
    }
  })
})
