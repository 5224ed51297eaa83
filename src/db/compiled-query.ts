import {
  type Compilable,
  CompiledQuery,
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryResult,
} from 'kysely'

import type { Db } from './database.ts'
import type { Database } from './schema.ts'

/**
 * Kysely builds an operation tree and compiles it to SQL on every execution. For the statements
 * on every webhook that was about a tenth of a web instance's CPU in a busy day (bench:day's
 * profile), for texts that never change. A query declared here is built and compiled once, with
 * markers where its values go; each call only puts the values in place and runs the same text
 * (which named-statements.ts then prepares once per connection).
 *
 * Only for queries whose shape does not depend on the values: no `in` lists, no optional
 * columns. Building it with a marker anywhere but in a parameter (inlined into the SQL) throws at
 * once, when the module loads. (`kysely-params` does this, but declares kysely 0.24 only.)
 */

// Compiles without a connection: kysely's documented way (DummyDriver) to get SQL for Postgres.
const compiler = new Kysely<Database>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
})

const MARK = '\u0000shouwen-param:'

export type Param<P> = <K extends keyof P & string>(name: K) => P[K]

export interface CompiledOnce<P, R> {
  execute(db: Db, values: P): Promise<QueryResult<R>>
  readonly sql: string
}

export function compiledOnce<P extends object, R>(
  build: (db: Kysely<Database>, param: Param<P>) => Compilable<R>,
): CompiledOnce<P, R> {
  const marked = build(compiler, ((name: string) => `${MARK}${name}`) as Param<P>).compile()
  if (marked.sql.includes(MARK)) throw new Error(`a parameter was inlined into: ${marked.sql}`)
  // For each parameter: the name of the value to put there, or the constant the builder gave.
  const slots = marked.parameters.map((v): { name: keyof P } | { value: unknown } =>
    typeof v === 'string' && v.startsWith(MARK)
      ? { name: v.slice(MARK.length) as keyof P }
      : { value: v },
  )
  return {
    sql: marked.sql,
    execute(db, values) {
      const parameters = slots.map((s) => ('name' in s ? values[s.name] : s.value))
      return db.executeQuery(CompiledQuery.raw(marked.sql, parameters))
    },
  }
}
