// The upgrades that touch a large table, timed on the year `bench/volume.ts` just loaded: each
// migration's `down`, then its `up` timed in one transaction, as the migrator runs it on a first
// start. What the up locks is held for the whole time printed: an upgrade's window.
import path from 'node:path'

import type { Kysely } from 'kysely'
import { sql } from 'kysely'

import type { Db } from '../src/db/database.ts'

const MIGRATIONS_DIR = path.join(import.meta.dirname, '..', 'db', 'migrations')

/** Those that rewrite every row of a table or index one of the largest, newest first. */
export const TIMED_MIGRATIONS = [
  '2026_12_03_008700_attempt_rate_groups',
  '2026_12_03_008600_clock_rate_index_only',
  '2026_12_03_008500_calls_by_conference',
  '2026_12_03_008400_agent_offers_by_agent',
  '2026_12_03_008300_rate_report_covering',
]

interface Migration {
  up(db: Kysely<unknown>): Promise<void>
  down(db: Kysely<unknown>): Promise<void>
}

export interface MigrationTiming {
  name: string
  upSeconds: number
  /** What the database grew by: new indexes, and the old versions of rows it rewrote. */
  grewBytes: number
}

/**
 * Undoes the given migrations newest first, then applies them again oldest first, timing each up.
 * The schema ends as it began. Run it after the queries are timed: a rewritten table keeps its
 * old row versions until vacuumed.
 */
export async function timeMigrations(db: Db, names = TIMED_MIGRATIONS): Promise<MigrationTiming[]> {
  const mods = new Map<string, Migration>()
  for (const name of names) {
    mods.set(name, (await import(path.join(MIGRATIONS_DIR, `${name}.ts`))) as Migration)
  }
  const asAny = db as unknown as Kysely<unknown>
  for (const name of names) await mods.get(name)?.down(asAny)
  // As autovacuum keeps a live database: the bulk load's rows all checked and marked once.
  await sql`vacuum analyze`.execute(db)
  const out: MigrationTiming[] = []
  for (const name of [...names].reverse()) {
    const size0 = await databaseSize(db)
    const t0 = performance.now()
    await asAny.transaction().execute((trx) => (mods.get(name) as Migration).up(trx))
    const upSeconds = (performance.now() - t0) / 1000
    out.push({ name, upSeconds, grewBytes: (await databaseSize(db)) - size0 })
  }
  return out
}

async function databaseSize(db: Db): Promise<number> {
  const r = await sql<{ n: string }>`select pg_database_size(current_database()) as n`.execute(db)
  return Number(r.rows[0]?.n ?? 0)
}
