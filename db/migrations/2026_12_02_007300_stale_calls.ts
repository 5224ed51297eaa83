import type { Kysely } from 'kysely'
import { sql } from 'kysely'

// Frozen in time: never import application code here.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- When the stale-calls duty last asked Twilio about a call nothing had updated for a while:
    -- a long live conference is asked again only after a recheck period, not every beat.
    alter table calls add column status_checked_at timestamptz;
    -- The calls not ended, by when the duty should look at them (the later of their last update
    -- and their last check). Partial, so it holds only the calls in progress.
    create index calls_stale_check_idx on calls (greatest(updated_at, status_checked_at))
      where status_rank < 4;
    -- A stale return-call leg is traced back to its attempt by its CallSid.
    create index callback_attempts_call_idx on callback_attempts (call_sid)
      where call_sid is not null;
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop index if exists calls_stale_check_idx, callback_attempts_call_idx;
    alter table calls drop column if exists status_checked_at;
  `.execute(db)
}
