import type { Kysely } from 'kysely'
import { sql } from 'kysely'

// Frozen in time: never import application code here.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table agents
      -- An inactive agent (left, suspended) cannot log in and is never rung; the row stays,
      -- because cases and events name them.
      add column active boolean not null default true,
      -- Why an agent went away (a pause); cleared on any other presence.
      add column pause_reason text
        check (pause_reason is null or (btrim(pause_reason) <> '' and length(pause_reason) <= 100)),
      -- When this pause was reported to the duty supervisor for running long: once per pause.
      add column pause_flagged_at timestamptz;

    -- The rejection file (否定报备): a case ends as declined only with a written reason from
    -- whoever asked and the approval of a supervisor or manager, both named on the case.
    alter table cases
      add column declined_reason text,
      add column declined_by int references agents(id),
      add column decline_approved_by int references agents(id),
      add column declined_at timestamptz;
    create index cases_declined_at_idx on cases (declined_at) where declined_at is not null;

    -- Each request to decline a case and its decision; at most one waits per case.
    create table decline_requests (
      id bigserial primary key,
      case_id bigint not null references cases(id),
      reason text not null check (length(btrim(reason)) >= 10),
      requested_by int not null references agents(id),
      requested_at timestamptz not null,
      outcome text check (outcome in ('approved', 'refused')),
      decided_by int references agents(id),
      decided_at timestamptz,
      decision_note text,
      check ((outcome is null) = (decided_by is null) and (outcome is null) = (decided_at is null))
    );
    create unique index decline_requests_one_waiting on decline_requests (case_id)
      where outcome is null;

    -- Praise and violation records per agent, which the sources tie to rewards and penalties.
    -- Append-only: a wrong record is answered by another record, never erased.
    create table agent_records (
      id bigserial primary key,
      agent_id int not null references agents(id),
      kind text not null check (kind in ('praise', 'violation')),
      case_id bigint references cases(id),
      note text not null check (btrim(note) <> ''),
      recorded_by int not null references agents(id),
      recorded_at timestamptz not null default now()
    );
    create index agent_records_agent_idx on agent_records (agent_id, recorded_at);
    create index agent_records_at_idx on agent_records (recorded_at);
    create trigger agent_records_no_update before update or delete on agent_records
      for each row execute function admin_events_append_only();
    create trigger agent_records_no_truncate before truncate on agent_records
      for each statement execute function admin_events_append_only();
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop table if exists agent_records, decline_requests;
    alter table cases drop column declined_reason, drop column declined_by,
      drop column decline_approved_by, drop column declined_at;
    alter table agents drop column active, drop column pause_reason,
      drop column pause_flagged_at;
  `.execute(db)
}
