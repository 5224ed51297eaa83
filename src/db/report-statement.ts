import type { Transaction } from 'kysely'
import { sql } from 'kysely'

import type { Db } from './database.ts'
import type { Database } from './schema.ts'

/**
 * A report's statement (a month's rates, the service level) in a transaction of its own, with
 * settings made for a statement that reads a month of rows once:
 *
 * - JIT compilation off. A month at 5 million cases a year is estimated above
 *   `jit_above_cost`, so with Postgres's default `jit = on` a statement first compiles its
 *   expressions, tens to hundreds of milliseconds of CPU, to save less than that.
 * - A plan made for its own period (`force_custom_plan`). The pool prepares each statement
 *   once per connection, and after five runs Postgres may keep a generic plan made without
 *   the period's dates: at 5 million cases the month's closed cases then took 360–420 ms
 *   instead of 60 (bench:volume's database). Planning each time costs about a millisecond.
 * - `workMem`, for a statement that hashes a month in memory rather than in batches spilled
 *   to disk.
 *
 * `set_config(…, true)` is `set local`: it ends with the transaction, so the connection goes
 * back to the pool as it came.
 */
export function reportStatement<T>(
  db: Db,
  run: (trx: Transaction<Database>) => Promise<T>,
  opts: { workMem?: '64MB' } = {},
): Promise<T> {
  return db.transaction().execute(async (trx) => {
    // One round trip for the three.
    await sql`select set_config('jit', 'off', true),
      set_config('plan_cache_mode', 'force_custom_plan', true),
      set_config('work_mem', coalesce(${opts.workMem ?? null}::text,
        current_setting('work_mem')), true)`.execute(trx)
    return run(trx)
  })
}
