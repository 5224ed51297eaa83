import { readdirSync } from 'node:fs'

import { sql } from 'kysely'
import { afterAll, describe, expect, inject, it } from 'vitest'

import { createDb } from '../../src/db/database.ts'
import { migrateToLatest, MIGRATIONS_DIR, pendingMigrations } from '../../src/db/migrate.ts'
import { withDatabase } from '../../src/infra/local-services.ts'
import { createLogger } from '../../src/logger.ts'
import { adminQuery } from '../helpers/databases.ts'

describe('migrations at startup', () => {
  const name = `shouwen_mig_${Date.now()}`
  afterAll(async () => {
    await adminQuery(inject('pgServerUrl'), `drop database if exists ${name} with (force)`)
  })

  it('run exactly once when five instances start at the same moment', async () => {
    await adminQuery(inject('pgServerUrl'), `create database ${name}`)
    const url = withDatabase(inject('pgServerUrl'), name)
    const dbs = Array.from({ length: 5 }, () =>
      createDb({ url, logger: createLogger({ level: 'silent' }), max: 2 }),
    )
    try {
      const onDisk = readdirSync(MIGRATIONS_DIR).map((f) => f.replace(/\.ts$/, ''))
      // Before any run there is no migration table: every file is pending.
      expect(await pendingMigrations(dbs[0] as (typeof dbs)[0])).toEqual(onDisk.sort())
      const ran = await Promise.all(dbs.map((db) => migrateToLatest(db)))
      expect(ran.filter((r) => r.length > 0)).toHaveLength(1)
      const db = dbs[0]
      if (!db) throw new Error('no db')
      expect(await pendingMigrations(db)).toEqual([])
      // A database behind the code (restored from an older backup) names what it lacks.
      const last = onDisk.at(-1) as string
      await sql`delete from kysely_migration where name = ${last}`.execute(db)
      expect(await pendingMigrations(db)).toEqual([last])
      const tables = await sql<{
        n: number
      }>`select count(*)::int as n from information_schema.tables where table_name = 'case_events'`.execute(
        db,
      )
      expect(tables.rows[0]?.n).toBe(1)
    } finally {
      await Promise.all(dbs.map((d) => d.destroy()))
    }
  })
})
