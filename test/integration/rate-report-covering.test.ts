import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'

import { down, up } from '../../db/migrations/2026_12_03_008300_rate_report_covering.ts'
import { writeClaims } from '../../src/callbacks/dial-batch.repository.ts'
import type { Db } from '../../src/db/database.ts'
import { createDb } from '../../src/db/database.ts'
import { loadDemoData } from '../../src/db/demo-data.ts'
import { createLogger } from '../../src/logger.ts'
import { cloneTestDatabase } from '../helpers/databases.ts'
import { insertCaseWithCallback } from '../helpers/return-call-rows.ts'

/**
 * Migration 008300: every return-call attempt carries its callback's case (the 满意率 statement
 * finds the group through it), whoever inserts the attempt, and attempts from before the
 * migration are given theirs.
 */
describe('return-call attempts carry their case', () => {
  let db: Db
  let drop: () => Promise<void>
  let n = 0

  beforeAll(async () => {
    const clone = await cloneTestDatabase(inject('pgServerUrl'))
    drop = clone.drop
    db = createDb({ url: clone.url, logger: createLogger({ level: 'silent' }), max: 2 })
    await loadDemoData(db)
  })
  afterAll(async () => {
    await db.destroy()
    await drop()
  })

  const caseWithCallback = () => insertCaseWithCallback(db, ++n)

  const caseOfAttempts = async (callbackId: string) =>
    (
      await db
        .selectFrom('callback_attempts')
        .select('case_id')
        .where('callback_id', '=', callbackId)
        .execute()
    ).map((r) => r.case_id)

  it('the dial claim writes it', async () => {
    const { caseId, callbackId } = await caseWithCallback()
    const claimed = await writeClaims(db, {
      dial: [callbackId],
      cancel: [],
      at: new Date('2026-11-02T01:00:00Z'),
    })
    expect(claimed).toEqual([{ id: callbackId, attempt: 1 }])
    expect(await caseOfAttempts(callbackId)).toEqual([caseId])
  })

  it('an insert that does not give it gets the callback’s case', async () => {
    const { caseId, callbackId } = await caseWithCallback()
    await sql`insert into callback_attempts (callback_id, attempt, started_at)
      values (${callbackId}, 1, now())`.execute(db)
    expect(await caseOfAttempts(callbackId)).toEqual([caseId])
  })

  it('the migration fills it for attempts written before it, and swaps the verdict index', async () => {
    await down(db)
    const a = await caseWithCallback()
    const b = await caseWithCallback()
    await sql`insert into callback_attempts (callback_id, attempt, started_at, answered_at, outcome)
      values (${a.callbackId}, 1, now(), now(), 'rework'), (${a.callbackId}, 2, now(), now(), 'confirmed'),
        (${b.callbackId}, 1, now(), null, 'no_answer')`.execute(db)
    await up(db)
    expect(await caseOfAttempts(a.callbackId)).toEqual([a.caseId, a.caseId])
    expect(await caseOfAttempts(b.callbackId)).toEqual([b.caseId])
    const nullable = await sql<{ is_nullable: string }>`
      select is_nullable from information_schema.columns
      where table_name = 'callback_attempts' and column_name = 'case_id'`.execute(db)
    expect(nullable.rows).toEqual([{ is_nullable: 'NO' }])
    const indexes = await sql<{ indexname: string }>`
      select indexname from pg_indexes
      where indexname in ('callback_attempts_verdict_idx', 'callback_attempts_verdict_case_idx',
        'cases_closed_rate_idx')
      order by indexname`.execute(db)
    expect(indexes.rows.map((r) => r.indexname)).toEqual([
      'callback_attempts_verdict_case_idx',
      'cases_closed_rate_idx',
    ])
  })
})
