import type { Kysely } from 'kysely'
import { sql } from 'kysely'

// Frozen in time: never import application code here.

// A year of data (issue 12 item 6, `npm run bench:volume`): the lookups made on every call and
// every console refresh must cost the same at 5 million cases as at 5 thousand, so each one
// reads a partial index that holds only what is live; the retention duty deletes old rows by a
// time index in small batches. Plain `create index` takes a write lock while it builds (a
// minute or two on a year of data): run this upgrade at a quiet hour.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- "My cases": an agent's open cases. cases_first_owner_idx holds every case the agent ever
    -- owned (tens of thousands a year); this one only those still open.
    create index cases_owner_open_idx on cases (first_owner_id, created_at)
      where status in ('open', 'in_progress', 'transferred', 'resolved', 'awaiting_confirmation');

    -- The board's manager agenda: the last week's agenda events among every event of the year.
    create index case_events_agenda_idx on case_events (occurred_at)
      where type = 'manager_agenda';

    -- (The service level reads calls_first_enqueued_idx, and retention the rings'
    -- agent_offers_created_idx, both from the service-level migration.)

    -- Retention (src/retention): the oldest rows first, a batch at a time.
    create index status_receipts_received_idx on status_receipts (received_at);
    create index calls_legs_created_idx on calls (created_at)
      where kind in ('agent_offer', 'department');
    -- Deleting a calls row makes Postgres look for rows still pointing at it: without these,
    -- each deleted leg would scan voicemails, transfers and calls whole.
    create index calls_parent_idx on calls (parent_call_sid) where parent_call_sid is not null;
    create index voicemails_call_idx on voicemails (call_sid);
    create index transfers_call_idx on transfers (call_sid);
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop index if exists cases_owner_open_idx, case_events_agenda_idx,
      status_receipts_received_idx, calls_legs_created_idx,
      calls_parent_idx, voicemails_call_idx, transfers_call_idx;
  `.execute(db)
}
