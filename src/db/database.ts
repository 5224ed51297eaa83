import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'

import type { Logger } from '../logger.ts'
import type { Database } from './schema.ts'

export type Db = Kysely<Database>

// Each Db's own pool, for its gauge (connections in use, clients waiting); Kysely hides it.
const pools = new WeakMap<object, pg.Pool>()

/** The pg Pool under a Db made by `createDb` (undefined for a transaction or another Db). */
export function poolOf(db: Db): pg.Pool | undefined {
  return pools.get(db)
}

// bigint ids come back as strings (pg's safe default); counts are cast where read.
export function createDb(opts: { url: string; logger: Logger; max?: number }): Db {
  const pool = new pg.Pool({ connectionString: opts.url, max: opts.max ?? 10 })
  // An idle client losing its connection emits here; without a listener the process would crash.
  pool.on('error', (err) => opts.logger.error({ err }, 'postgres pool error'))
  // pg-pool listens for errors only on idle clients. A client checked out between two queries
  // (a transaction awaiting something else) that loses its connection, as when Postgres
  // restarts, would emit 'error' with nobody listening and crash the process; its next query
  // fails instead, and the pool discards it on release.
  pool.on('connect', (client) => {
    client.on('error', (err) => opts.logger.warn({ err }, 'postgres connection lost'))
  })
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool }),
    log(event) {
      if (event.level === 'error') {
        opts.logger.error(
          { err: event.error, durationMs: event.queryDurationMillis },
          'query failed',
        )
      }
    },
  })
  pools.set(db, pool)
  return db
}
