import { sql } from 'kysely'

import type { Db } from '../db/database.ts'
import type { OfficialYear } from '../domain/calendar/official-years.ts'

export interface StoredYear extends OfficialYear {
  importedBy: number
  importedAt: Date
}

// date[] comes back from pg as Dates at the server's local midnight: read each as text.
const dates = (column: 'holidays' | 'workdays') =>
  sql<
    string[]
  >`array(select to_char(d, 'YYYY-MM-DD') from unnest(${sql.ref(column)}) d order by d)`.as(column)

function yearsQuery(db: Db) {
  return db
    .selectFrom('calendar_years')
    .select(['year', dates('holidays'), dates('workdays'), 'source', 'imported_by', 'imported_at'])
}

function toYear(r: {
  year: number
  holidays: string[]
  workdays: string[]
  source: string
  imported_by: number
  imported_at: Date
}): StoredYear {
  return {
    year: r.year,
    holidays: r.holidays,
    workdays: r.workdays,
    source: r.source,
    importedBy: r.imported_by,
    importedAt: r.imported_at,
  }
}

export async function listCalendarYears(db: Db): Promise<StoredYear[]> {
  return (await yearsQuery(db).orderBy('year').execute()).map(toYear)
}

export async function findCalendarYear(
  db: Db,
  year: number,
  o: { forUpdate?: boolean } = {},
): Promise<StoredYear | undefined> {
  const q = yearsQuery(db).where('year', '=', year)
  const row = await (o.forUpdate ? q.forUpdate() : q).executeTakeFirst()
  return row && toYear(row)
}

/** A later import of a year replaces the earlier one whole (the audit keeps both). */
export async function putCalendarYear(
  db: Db,
  y: OfficialYear & { by: number; at: Date },
): Promise<void> {
  const values = {
    holidays: [...y.holidays],
    workdays: [...y.workdays],
    source: y.source,
    imported_by: y.by,
    imported_at: y.at,
  }
  await db
    .insertInto('calendar_years')
    .values({ year: y.year, ...values })
    .onConflict((oc) => oc.column('year').doUpdateSet(values))
    .execute()
}

export async function deleteCalendarYear(db: Db, year: number): Promise<boolean> {
  const r = await db.deleteFrom('calendar_years').where('year', '=', year).executeTakeFirst()
  return r.numDeletedRows > 0n
}
