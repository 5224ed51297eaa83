import { promises as fs } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { DEFAULT_MIGRATION_TABLE, FileMigrationProvider, Migrator, sql } from 'kysely'

import type { Db } from './database.ts'

export const MIGRATIONS_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../db/migrations',
)

function migrator(db: Db): Migrator {
  return new Migrator({
    db,
    provider: new FileMigrationProvider({ fs, path, migrationFolder: MIGRATIONS_DIR }),
  })
}

/**
 * Brings the schema up to date. Kysely's Postgres adapter takes a transaction-level advisory
 * lock around the run, so several instances starting at once migrate exactly once.
 */
export async function migrateToLatest(db: Db): Promise<string[]> {
  const { error, results } = await migrator(db).migrateToLatest()
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName
    throw new Error(
      `migration ${failed ?? '(unknown)'} failed: ${error instanceof Error ? error.message : JSON.stringify(error)}`,
      { cause: error },
    )
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
}

/**
 * Names of migrations on disk that the database has not run yet. Asked by every /readyz, which
 * the load balancer polls every 2 s per instance: so it reads the folder's names and one small
 * table. Kysely's own `getMigrations()` imports every file and introspects the catalog first:
 * ~15 ms of Postgres CPU each time, and slow enough on a loaded machine that the health check
 * timed out and the balancer took every instance out at once.
 */
export async function pendingMigrations(db: Db): Promise<string[]> {
  const onDisk = await migrationNamesOnDisk()
  let ran: Set<string>
  try {
    const rows = await sql<{
      name: string
    }>`select name from ${sql.table(DEFAULT_MIGRATION_TABLE)}`.execute(db)
    ran = new Set(rows.rows.map((r) => r.name))
  } catch (e) {
    // 42P01: no migration table yet, so nothing has run.
    if ((e as { code?: string }).code !== '42P01') throw e
    ran = new Set()
  }
  return onDisk.filter((name) => !ran.has(name))
}

/** The names Kysely's FileMigrationProvider gives the folder's files: the name less its extension. */
async function migrationNamesOnDisk(): Promise<string[]> {
  const files = await fs.readdir(MIGRATIONS_DIR)
  return files
    .filter((f) => /\.(js|ts|mjs|mts)$/.test(f) && !/\.d\.(ts|mts)$/.test(f))
    .map((f) => f.slice(0, f.lastIndexOf('.')))
    .sort()
}
