import type { Kysely } from 'kysely'
import { sql } from 'kysely'

// Frozen in time: never import application code here.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- The beat of every periodic duty (reconciler, sweeps). It lives here, not in Redis, so a
    -- wiped or failed-over Redis stops no duty; one row claimed per beat across all processes.
    create table periodic_duties (
      name text primary key check (name ~ '^[a-z0-9-]{1,40}$'),
      every_ms int not null check (every_ms > 0),
      next_due_at timestamptz not null,
      last_started_at timestamptz,
      last_finished_at timestamptz,
      last_ok_at timestamptz,
      last_error text,
      last_runner text,
      runs bigint not null default 0,
      failures bigint not null default 0
    );
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table if exists periodic_duties`.execute(db)
}
