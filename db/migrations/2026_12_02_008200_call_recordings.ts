import type { Kysely } from 'kysely'
import { sql } from 'kysely'

// Frozen in time: never import application code here.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- Per hotline: record its calls, with a notice in the greeting or without. Off unless an
    -- administrator turns it on (PATCH /api/admin/hotlines/:number).
    alter table hotlines add column recording text not null default 'off'
      check (recording in ('off', 'notice', 'silent'));

    -- One row per Twilio recording (a case's conference, a return call, a softphone call),
    -- written by the recordingStatusCallback and keyed on Twilio's RecordingSid, so a retried
    -- callback changes nothing. The audio stays at Twilio; deleted_at marks it gone there.
    create table recordings (
      id bigserial primary key,
      recording_sid text not null unique check (recording_sid ~ '^RE[0-9a-fA-F]{32}$'),
      case_id bigint references cases(id),
      call_sid text,
      conference_sid text,
      -- who was in the call, as known from its legs: [{kind, jobNumber?, department?}]
      participants jsonb not null default '[]',
      status text not null check (status in ('in-progress', 'completed', 'absent', 'failed')),
      started_at timestamptz not null,
      duration_seconds int check (duration_seconds >= 0),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      deleted_at timestamptz
    );
    create index recordings_case_idx on recordings (case_id, started_at);
    -- The retention duty's scan: recordings not yet deleted, oldest first.
    create index recordings_retention_idx on recordings (started_at) where deleted_at is null;
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop table if exists recordings;
    alter table hotlines drop column if exists recording;
  `.execute(db)
}
