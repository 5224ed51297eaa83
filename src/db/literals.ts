import { type RawBuilder, sql } from 'kysely'

/**
 * A constant written into a statement's text instead of sent as a parameter.
 *
 * Repeated statements are prepared (named-statements.ts), and from their sixth call Postgres may
 * run them with a generic plan, made without the values. Such a plan can use a partial index
 * (`… where queue_state = 'waiting'`) only if the statement's text itself implies the index's
 * predicate: `queue_state = $1` does not, and the plan scans the whole table instead; it grows
 * with every call taken. A condition that matches a partial index is therefore written with
 * literals. Only for the code's own constants, never for input.
 */
export function literal<T extends string | number | boolean>(value: T): RawBuilder<T> {
  return sql.lit(value)
}

/** `literal` for each of a constant list, for `in (…)`. */
export function literalList<T extends string | number>(values: readonly T[]): RawBuilder<T>[] {
  return values.map((v) => sql.lit(v))
}
