import type { Kysely } from 'kysely'
import { sql } from 'kysely'

// Frozen in time: never import application code here.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- The service level (15秒接通率) judges a caller's first wait: from the moment they first
    -- entered the queue to the first agent who took them. A caller put back in the queue after
    -- a failed transfer gets a new enqueued_at (the dispatcher's ordering and longest wait run
    -- from it) and loses answered_at; these columns keep the first of each, set once.
    alter table calls
      add column first_enqueued_at timestamptz,
      add column first_answered_at timestamptz,
      add column first_answered_by_agent_id int references agents(id);

    -- Calls from before this column: their enqueued_at is the first one unless they were
    -- requeued, which the case's events would tell but which is too rare to chase here.
    update calls
      set first_enqueued_at = enqueued_at,
          first_answered_at = answered_at,
          first_answered_by_agent_id = answered_by_agent_id
      where kind = 'caller' and enqueued_at is not null;

    -- The service-level report starts from a range of queue-entry times, and reads only this
    -- index (an index-only scan): a month of a busy hotline is a million rows.
    create index calls_first_enqueued_idx on calls (first_enqueued_at)
      include (first_answered_at, first_answered_by_agent_id, queue_state, ended_at,
        hotline_number, call_sid)
      where kind = 'caller' and first_enqueued_at is not null;

    -- An accepted ring keeps the status 'accepted'; its end time (the agent's leg hanging up)
    -- now ends it too, so the agent's handle time needs no join to the leg's call row.
    update agent_offers o set ended_at = leg.ended_at
      from calls leg
      where leg.call_sid = o.leg_call_sid and o.status = 'accepted' and o.ended_at is null
        and leg.ended_at is not null;

    -- The rings of a period per agent (missed rings, handle time), read from this index alone.
    create index agent_offers_created_idx on agent_offers (created_at)
      include (agent_id, status, answered_at, joined_at, ended_at);
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop index if exists agent_offers_created_idx;
    drop index if exists calls_first_enqueued_idx;
    alter table calls
      drop column if exists first_enqueued_at,
      drop column if exists first_answered_at,
      drop column if exists first_answered_by_agent_id;
  `.execute(db)
}
