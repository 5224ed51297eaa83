import type { Kysely } from 'kysely'
import { sql } from 'kysely'

// Frozen in time: never import application code here.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- A year's official holiday arrangement, imported by an administrator from the State
    -- Council's notice. It replaces, for that year, both the estimate (a year nobody has
    -- published) and chinese-days' data (an administrator may correct it); a calendar override
    -- still wins for its date. Audited in admin_events as 'calendar_year'.
    create table calendar_years (
      year int primary key check (year between 2000 and 2200),
      holidays date[] not null,
      workdays date[] not null,
      source text not null check (length(btrim(source)) >= 3),
      imported_by int not null references agents(id),
      imported_at timestamptz not null,
      -- A date is a holiday or a make-up workday, not both.
      check (not (holidays && workdays))
    );
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table if exists calendar_years`.execute(db)
}
