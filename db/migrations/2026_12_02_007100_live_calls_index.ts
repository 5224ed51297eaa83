import type { Kysely } from 'kysely'
import { sql } from 'kysely'

// Frozen in time: never import application code here.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- The calls not ended yet, by kind and queue state: what every /metrics scrape counts
    -- (shouwen_calls, shouwen_call_legs). Partial, so it stays as small as the calls in
    -- progress however many a year of history holds.
    create index calls_live_idx on calls (kind, queue_state) where status_rank < 4;
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists calls_live_idx`.execute(db)
}
