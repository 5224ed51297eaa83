import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'

import { compiledOnce } from '../../src/db/compiled-query.ts'
import type { Db } from '../../src/db/database.ts'
import { createDb } from '../../src/db/database.ts'
import { createLogger } from '../../src/logger.ts'
import { cloneTestDatabase } from '../helpers/databases.ts'

// A query built and compiled once runs the builder's own SQL, with each call's values in place
// and the builder's constants kept, on a real Postgres.
describe('compiledOnce', () => {
  let db: Db
  let drop: () => Promise<void>
  beforeAll(async () => {
    const clone = await cloneTestDatabase(inject('pgServerUrl'))
    db = createDb({ url: clone.url, logger: createLogger({ level: 'silent' }), max: 2 })
    drop = clone.drop
  })
  afterAll(async () => {
    await db.destroy()
    await drop()
  })

  const receipt = compiledOnce<{ sid: string; seq: number }, { sequence_number: number }>((b, p) =>
    b
      .insertInto('status_receipts')
      .values({ resource_sid: p('sid'), event: 'constant-event', sequence_number: p('seq') })
      .onConflict((oc) => oc.doNothing())
      .returning('sequence_number'),
  )

  it("compiles to the builder's SQL, with each call's values and the builder's constants", async () => {
    expect(receipt.sql).toBe(
      db
        .insertInto('status_receipts')
        .values({ resource_sid: 'x', event: 'y', sequence_number: 1 })
        .onConflict((oc) => oc.doNothing())
        .returning('sequence_number')
        .compile().sql,
    )
    expect((await receipt.execute(db, { sid: 'CF1', seq: 7 })).rows).toEqual([
      { sequence_number: 7 },
    ])
    expect((await receipt.execute(db, { sid: 'CF1', seq: 7 })).rows).toEqual([]) // conflict
    expect((await receipt.execute(db, { sid: 'CF2', seq: 8 })).rows).toEqual([
      { sequence_number: 8 },
    ])
    const rows = await db
      .selectFrom('status_receipts')
      .select(['resource_sid', 'event', 'sequence_number'])
      .where('resource_sid', 'in', ['CF1', 'CF2'])
      .orderBy('resource_sid')
      .execute()
    expect(rows).toEqual([
      { resource_sid: 'CF1', event: 'constant-event', sequence_number: 7 },
      { resource_sid: 'CF2', event: 'constant-event', sequence_number: 8 },
    ])
  })

  it('runs inside a transaction it is given, and rolls back with it', async () => {
    await expect(
      db.transaction().execute(async (trx) => {
        await receipt.execute(trx, { sid: 'CF3', seq: 1 })
        throw new Error('rolled back')
      }),
    ).rejects.toThrow('rolled back')
    expect((await receipt.execute(db, { sid: 'CF3', seq: 1 })).rows).toHaveLength(1)
  })

  it('refuses, when declared, a value the builder would write into the SQL text', () => {
    expect(() =>
      compiledOnce<{ code: string }, unknown>((b, p) =>
        b
          .selectFrom('categories')
          .select('code')
          .where('code', '=', sql.lit(p('code'))),
      ),
    ).toThrow(/inlined/)
  })
})
