import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'

import type { Logger } from '../logger.ts'
import { addQueryToTrace } from '../metrics/webhook-trace.ts'
import { namedStatements, poolWithNamedStatements } from './named-statements.ts'
import type { Database } from './schema.ts'

export type Db = Kysely<Database>

// Distinct statement texts named per process; the app's own hot paths use a few hundred.
const MAX_NAMED_STATEMENTS = 1000

// Each Db's own pool, for its gauge (connections in use, clients waiting); Kysely hides it.
const pools = new WeakMap<object, pg.Pool>()

/** The pg Pool under a Db made by `createDb` (undefined for a transaction or another Db). */
export function poolOf(db: Db): pg.Pool | undefined {
  return pools.get(db)
}

// bigint ids come back as strings (pg's safe default); counts are cast where read.
export function createDb(opts: {
  url: string
  logger: Logger
  max?: number
  /** Repeated statements prepared once per connection (see named-statements.ts); default on. */
  preparedStatements?: boolean
}): Db {
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
    dialect: new PostgresDialect({
      pool:
        opts.preparedStatements === false
          ? pool
          : poolWithNamedStatements(pool, namedStatements({ max: MAX_NAMED_STATEMENTS })),
    }),
    log(event) {
      // Its share of a slow webhook's time (webhook-trace.ts); nothing outside a webhook.
      addQueryToTrace(event.query.sql, event.queryDurationMillis)
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
