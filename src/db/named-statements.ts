import type { PostgresPool, PostgresPoolClient } from 'kysely'
import type pg from 'pg'

/**
 * Kysely sends every query as an unnamed statement: Postgres parses, analyses and plans the same
 * text again on each call. The webhook path runs a few dozen texts thousands of times an hour,
 * so a text seen twice gets a name, and pg prepares it once per pooled connection; later calls
 * send only Bind and Execute. Postgres still chooses per call between a custom and a generic
 * plan (plan_cache_mode=auto keeps a custom plan when the generic one would cost more).
 *
 * Only parametrised statements are named (a text without parameters may hold several commands,
 * which a prepared statement cannot). Names are per text, at most `max` of them, so texts built
 * with varying lists (`in ($1, $2, …)`) cannot grow the backends' memory without bound.
 *
 * After a migration adds a column, a prepared `select *` fails once with "cached plan must not
 * change result type": that text then gets a new name, so its next call prepares it afresh.
 *
 * From a prepared statement's sixth call Postgres may plan it generically, without the values.
 * An ON CONFLICT that names a partial unique index by its predicate is then refused if the
 * predicate holds parameters (42P10): write such predicates in literals (`sql.lit`). The test
 * databases plan generically from the first call (test/helpers/databases.ts), so the suite
 * meets every repeated statement in that form.
 * Off (DATABASE_PREPARED_STATEMENTS=false) for a pooler that does not keep a session's prepared
 * statements (PgBouncer in transaction mode before 1.21).
 */
export function namedStatements(opts: { max: number; seenBeforeNaming?: number }) {
  const names = new Map<string, string>()
  const seen = new Map<string, number>()
  const threshold = opts.seenBeforeNaming ?? 2
  let next = 0
  return {
    nameFor(text: string): string | undefined {
      const name = names.get(text)
      if (name !== undefined) return name
      if (names.size >= opts.max) return undefined
      const count = (seen.get(text) ?? 0) + 1
      if (count < threshold) {
        // Forgotten once full: counting every one-off text would itself grow without bound.
        if (seen.size < opts.max * 4) seen.set(text, count)
        return undefined
      }
      seen.delete(text)
      const fresh = `shouwen_${(next++).toString(36)}`
      names.set(text, fresh)
      return fresh
    },
    /** The prepared form of `text` is stale on every connection: the next call prepares anew. */
    forget(text: string): void {
      names.delete(text)
    },
    get size(): number {
      return names.size
    },
  }
}

export type NamedStatements = ReturnType<typeof namedStatements>

/** Postgres's answer to a prepared statement whose table changed shape since it was prepared. */
function isStalePreparedStatement(e: unknown): boolean {
  const err = e as { code?: unknown; message?: unknown }
  return (
    err.code === '0A000' &&
    typeof err.message === 'string' &&
    err.message.includes('cached plan must not change result type')
  )
}

/** The pool Kysely sees: pg's own, whose clients send named statements from `statements`. */
export function poolWithNamedStatements(
  pool: { connect(): Promise<pg.PoolClient>; end(): Promise<void> },
  statements: NamedStatements,
): PostgresPool {
  // One wrapper per pg client: Kysely keys its connection objects by the client it is given.
  const wrappers = new WeakMap<pg.PoolClient, PostgresPoolClient>()
  const wrap = (client: pg.PoolClient): PostgresPoolClient =>
    ({
      query(text: unknown, values?: readonly unknown[]) {
        if (typeof text === 'string' && values && values.length > 0) {
          const name = statements.nameFor(text)
          if (name !== undefined) {
            return client.query({ name, text, values: [...values] }).catch((e: unknown) => {
              if (isStalePreparedStatement(e)) statements.forget(text)
              throw e
            })
          }
        }
        return (client.query as (t: unknown, v?: unknown) => unknown).call(client, text, values)
      },
      release: (err?: unknown) => client.release(err as Error | undefined),
    }) as unknown as PostgresPoolClient
  return {
    async connect(): Promise<PostgresPoolClient> {
      const client = await pool.connect()
      let w = wrappers.get(client)
      if (!w) wrappers.set(client, (w = wrap(client)))
      return w
    },
    end: () => pool.end(),
  }
}
