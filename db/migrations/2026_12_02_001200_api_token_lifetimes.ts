import type { Kysely } from 'kysely'
import { sql } from 'kysely'

// Frozen in time: never import application code here.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- Every token expires. Long-lived agent tokens minted before this had none: they get the
    -- default lifetime (90 days) from now, so scripts keep running while owners re-mint them.
    update api_tokens set expires_at = now() + interval '90 days' where expires_at is null;
    alter table api_tokens alter column expires_at set not null;

    -- When a token was last seen (written at most once a minute per token), for the owner's list.
    alter table api_tokens add column last_used_at timestamptz;

    -- An agent's live tokens: listing them and revoking them all on a password change.
    create index api_tokens_agent_live on api_tokens (agent_id) where revoked_at is null;
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop index if exists api_tokens_agent_live;
    alter table api_tokens drop column if exists last_used_at;
    alter table api_tokens alter column expires_at drop not null;
  `.execute(db)
}
