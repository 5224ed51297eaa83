import type { Kysely } from 'kysely'
import { sql } from 'kysely'

// Frozen in time: never import application code here.

/**
 * An agent's latest offers, newest first, with their outcome: read after every offer that rings
 * out, to set away an agent who lets `MISSED_OFFERS_BEFORE_AWAY` ring out in a row.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create index agent_offers_agent_idx on agent_offers (agent_id, created_at desc)
      include (status, leg_call_sid);
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists agent_offers_agent_idx`.execute(db)
}
