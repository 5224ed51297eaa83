import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'

import type { Logger } from '../logger.ts'
import { addQueryToTrace } from '../metrics/webhook-trace.ts'
import { namedStatements, poolWithNamedStatements } from './named-statements.ts'
import type { PoolWaits } from './pool-waits.ts'
import { poolWaits } from './pool-waits.ts'
import type { Database } from './schema.ts'

export type Db = Kysely<Database>

// Distinct statement texts named per process; the app's own hot paths use a few hundred.
const MAX_NAMED_STATEMENTS = 1000

// A connection idle this long is closed. With pg-pool's default, 10 s, Postgres saw a connection
// opened every 3 s in a busy bench:day (173 in 8 minutes, the bench's own included): each a new
// backend, forked, authenticated, its caches cold and every statement prepared again, inside a
// webhook. A pool now keeps an idle connection for 10 minutes (HikariCP's default idle timeout).
const POOL_IDLE_TIMEOUT_MS = 600_000

// Each Db's own pool, for its gauge (connections in use, clients waiting); Kysely hides it.
const pools = new WeakMap<object, pg.Pool>()
const waits = new WeakMap<object, PoolWaits>()
// When each Db's last statement succeeded (performance.now()).
const lastAnswers = new WeakMap<object, { at: number }>()

/** The pg Pool under a Db made by `createDb` (undefined for a transaction or another Db). */
export function poolOf(db: Db): pg.Pool | undefined {
  return pools.get(db)
}

/** Whether one of `db`'s statements succeeded within the last `ms`: Postgres answers it. */
export function answeredWithin(db: Db, ms: number): boolean {
  const last = lastAnswers.get(db)
  return last !== undefined && performance.now() - last.at < ms
}

/** How long the oldest caller waiting for one of `db`'s pooled connections has waited, in ms. */
export function oldestPoolWaitMs(db: Db): number {
  return waits.get(db)?.oldestMs() ?? 0
}

// bigint ids come back as strings (pg's safe default); counts are cast where read.
export function createDb(opts: {
  url: string
  logger: Logger
  max?: number
  /** Repeated statements prepared once per connection (see named-statements.ts); default on. */
  preparedStatements?: boolean
}): Db {
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.max ?? 10,
    idleTimeoutMillis: POOL_IDLE_TIMEOUT_MS,
    // An idle pool does not keep a script alive (a server is kept alive by its listener anyway).
    allowExitOnIdle: true,
  })
  // An idle client losing its connection emits here; without a listener the process would crash.
  pool.on('error', (err) => opts.logger.error({ err }, 'postgres pool error'))
  // pg-pool listens for errors only on idle clients. A client checked out between two queries
  // (a transaction awaiting something else) that loses its connection, as when Postgres
  // restarts, would emit 'error' with nobody listening and crash the process; its next query
  // fails instead, and the pool discards it on release.
  pool.on('connect', (client) => {
    client.on('error', (err) => opts.logger.warn({ err }, 'postgres connection lost'))
  })
  const w = poolWaits()
  const lastAnswer = { at: -Infinity }
  const timed = { connect: () => w.connect(() => pool.connect()), end: () => pool.end() }
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({
      pool:
        opts.preparedStatements === false
          ? timed
          : poolWithNamedStatements(timed, namedStatements({ max: MAX_NAMED_STATEMENTS })),
    }),
    log(event) {
      // Its share of a slow webhook's time (webhook-trace.ts); nothing outside a webhook.
      addQueryToTrace(event.query.sql, event.queryDurationMillis)
      if (event.level === 'query') lastAnswer.at = performance.now()
      if (event.level === 'error') {
        opts.logger.error(
          { err: event.error, durationMs: event.queryDurationMillis },
          'query failed',
        )
      }
    },
  })
  pools.set(db, pool)
  waits.set(db, w)
  lastAnswers.set(db, lastAnswer)
  return db
}
