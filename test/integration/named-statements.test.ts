import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'

import type { Db } from '../../src/db/database.ts'
import { createDb } from '../../src/db/database.ts'
import { createLogger } from '../../src/logger.ts'
import { cloneTestDatabase } from '../helpers/databases.ts'

/**
 * DATABASE_PREPARED_STATEMENTS: a repeated statement is prepared once per connection, on a real
 * Postgres (pg_prepared_statements is the connection's own list). One connection per Db, so
 * every query below runs on the connection the list is read from.
 */
describe('repeated statements are prepared once per connection', () => {
  const logger = createLogger({ level: 'silent' })
  let url: string
  let drop: () => Promise<void>
  const dbs: Db[] = []
  const open = (preparedStatements?: boolean) => {
    const db = createDb({ url, logger, max: 1, preparedStatements })
    dbs.push(db)
    return db
  }
  const prepared = async (db: Db) =>
    (
      await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(db)
    ).rows.map((r) => r.statement)

  beforeAll(async () => {
    const clone = await cloneTestDatabase(inject('pgServerUrl'))
    url = clone.url
    drop = clone.drop
  })
  afterAll(async () => {
    await Promise.all(dbs.map((d) => d.destroy()))
    await drop()
  })

  const byCode = (db: Db, code: string) =>
    db.selectFrom('categories').select('code').where('code', '=', code).execute()

  it('names a parametrised text from its second call, and answers the same as unnamed', async () => {
    const db = open()
    await sql`insert into categories (code, name_zh, name_en) values ('probe_n1', '测试', 'Probe')`.execute(
      db,
    )
    const first = await byCode(db, 'probe_n1')
    expect(await prepared(db)).toEqual([])
    const second = await byCode(db, 'probe_n1')
    const third = await byCode(db, 'probe_n2')
    expect(first).toEqual(second)
    expect(first).toHaveLength(1)
    expect(third).toEqual([])
    const list = await prepared(db)
    expect(list).toHaveLength(1)
    expect(list[0]).toContain('"code" = $1')
  })

  it('leaves texts without parameters (which may hold several commands) unnamed', async () => {
    const db = open()
    for (let i = 0; i < 3; i++) await sql`select 1; select 2`.execute(db)
    expect(await prepared(db)).toEqual([])
  })

  it('prepares nothing when turned off (a pooler in transaction mode)', async () => {
    const db = open(false)
    for (let i = 0; i < 3; i++) await byCode(db, 'probe_n1')
    expect(await prepared(db)).toEqual([])
  })

  it('prepares a statement afresh after a migration changed its table', async () => {
    const db = open()
    await sql`create table widen_me (id int primary key)`.execute(db)
    await sql`insert into widen_me values (1)`.execute(db)
    const read = () =>
      sql<Record<string, unknown>>`select * from widen_me where id = ${1}`.execute(db)
    await read()
    await read()
    expect((await prepared(db)).some((s) => s.includes('widen_me'))).toBe(true)
    await sql`alter table widen_me add column note text`.execute(db)
    // The prepared form still has the old shape: Postgres refuses it once...
    await expect(read()).rejects.toMatchObject({ code: '0A000' })
    // ...and the next call prepares it again, with the new column.
    expect((await read()).rows).toEqual([{ id: 1, note: null }])
  })
})
