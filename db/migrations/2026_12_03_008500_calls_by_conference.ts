import type { Kysely } from 'kysely'
import { sql } from 'kysely'

// Frozen in time: never import application code here.

/**
 * The call in a conference room, by the room's sid and by its name: looked up on every conference status callback (who is left in
 * the room, which transfer it ends, whose recording it is). Without it each callback read the
 * whole calls table: on the bench's hotline day Postgres's CPU grew with the day until webhooks
 * queued for seconds, and on a year of calls it would be millions of rows a callback.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create index calls_conference_idx on calls (conference_sid) include (kind, status_rank)
      where conference_sid is not null;
  `.execute(db)
  // The conference's start names its room: the caller's row is found by the room's name.
  await sql`
    create index calls_conference_name_idx on calls (conference_name) where kind = 'caller';
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists calls_conference_name_idx`.execute(db)
  await sql`drop index if exists calls_conference_idx`.execute(db)
}
