import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'

import type { Db } from '../../src/db/database.ts'
import { createDb } from '../../src/db/database.ts'
import { reportStatement } from '../../src/db/report-statement.ts'
import { createLogger } from '../../src/logger.ts'
import { cloneTestDatabase } from '../helpers/databases.ts'

/**
 * A report's statement runs with JIT off and a plan made for its own period (a generic plan
 * chosen after five runs read a month of closed cases six times slower at 5 million cases), and
 * the connection goes back to the pool with the settings it had.
 */
describe('report statements', () => {
  let db: Db
  let drop: () => Promise<void>
  beforeAll(async () => {
    const clone = await cloneTestDatabase(inject('pgServerUrl'))
    drop = clone.drop
    // One connection: what the report set must not be left on it.
    db = createDb({ url: clone.url, logger: createLogger({ level: 'silent' }), max: 1 })
  })
  afterAll(async () => {
    await db.destroy()
    await drop()
  })

  const settings = (on: Db | Parameters<Parameters<typeof reportStatement>[1]>[0]) =>
    sql<{ jit: string; plan: string; mem: string }>`select current_setting('jit') as jit,
      current_setting('plan_cache_mode') as plan, current_setting('work_mem') as mem`
      .execute(on)
      .then((r) => r.rows[0])

  it('sets JIT off, custom plans and the work_mem asked for, for its transaction only', async () => {
    // The session as Postgres ships it, whatever this server's configuration says.
    await sql`set jit = on`.execute(db)
    await sql`set plan_cache_mode = auto`.execute(db)
    const before = await settings(db)
    expect(before).toMatchObject({ jit: 'on', plan: 'auto' })
    expect(before?.mem).not.toBe('64MB')
    expect(await reportStatement(db, settings)).toEqual({
      jit: 'off',
      plan: 'force_custom_plan',
      mem: before?.mem,
    })
    expect(await reportStatement(db, settings, { workMem: '64MB' })).toMatchObject({
      mem: '64MB',
    })
    expect(await settings(db)).toEqual(before)
  })
})
