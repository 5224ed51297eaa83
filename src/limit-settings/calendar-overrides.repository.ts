import { sql } from 'kysely'

import type { Db } from '../db/database.ts'
import type { CalendarOverride } from '../domain/calendar/day-rules.ts'

export interface StoredOverride extends CalendarOverride {
  note: string
  createdBy: number
  createdAt: Date
}

// A date column comes back from pg as a Date at the server's local midnight: read it as text.
const columns = [
  sql<string>`to_char(date, 'YYYY-MM-DD')`.as('date'),
  'kind',
  'note',
  'created_by',
  'created_at',
] as const

function toOverride(r: {
  date: string
  kind: 'workday' | 'holiday'
  note: string
  created_by: number
  created_at: Date
}): StoredOverride {
  return {
    date: r.date,
    kind: r.kind,
    note: r.note,
    createdBy: r.created_by,
    createdAt: r.created_at,
  }
}

export async function listCalendarOverrides(db: Db): Promise<StoredOverride[]> {
  const rows = await db.selectFrom('calendar_overrides').select(columns).orderBy('date').execute()
  return rows.map(toOverride)
}

export async function findCalendarOverride(
  db: Db,
  date: string,
  o: { forUpdate?: boolean } = {},
): Promise<StoredOverride | undefined> {
  const q = db.selectFrom('calendar_overrides').select(columns).where('date', '=', date)
  const row = await (o.forUpdate ? q.forUpdate() : q).executeTakeFirst()
  return row && toOverride(row)
}

/** A later decision about a date replaces the earlier one (the audit keeps both). */
export async function putCalendarOverride(
  db: Db,
  o: { date: string; kind: 'workday' | 'holiday'; note: string; by: number; at: Date },
): Promise<void> {
  const values = { kind: o.kind, note: o.note, created_by: o.by, created_at: o.at }
  await db
    .insertInto('calendar_overrides')
    .values({ date: o.date, ...values })
    .onConflict((oc) => oc.column('date').doUpdateSet(values))
    .execute()
}

export async function deleteCalendarOverride(db: Db, date: string): Promise<boolean> {
  const r = await db.deleteFrom('calendar_overrides').where('date', '=', date).executeTakeFirst()
  return r.numDeletedRows > 0n
}
