import type { Kysely } from 'kysely'
import { sql } from 'kysely'

// Frozen in time: never import application code here.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- What the rates and the closure rule need on the case itself.
    alter table cases
      add column resolved_at timestamptz,
      add column resolution_summary text,
      add column rework_count int not null default 0,
      add column satisfaction smallint check (satisfaction between 1 and 5),
      add column closed_by text check (closed_by in ('caller', 'supervisor_override')),
      add column override_by int references agents(id),
      add column override_reason text;

    -- One open callback per case and purpose; a finished one may be followed by a new one
    -- (a second confirmation after rework).
    alter table callbacks drop constraint callbacks_case_id_purpose_due_at_key;
    create unique index callbacks_one_open on callbacks (case_id, purpose)
      where status in ('pending', 'dialing');
    alter table callbacks drop constraint callbacks_status_check;
    alter table callbacks add constraint callbacks_status_check check (status in (
      'pending', 'dialing', 'done', 'exhausted', 'cancelled'));
    alter table callbacks
      add column max_attempts int not null default 5 check (max_attempts between 1 and 50),
      add column last_attempt_at timestamptz,
      -- the case limit this callback serves: retries are pulled forward when it is at risk
      add column deadline_at timestamptz;
    create index callbacks_due_idx on callbacks (due_at) where status = 'pending';

    create table callback_attempts (
      id bigserial primary key,
      callback_id bigint not null references callbacks(id),
      attempt int not null,
      call_sid text unique,
      started_at timestamptz not null,
      answered_at timestamptz,
      ended_at timestamptz,
      outcome text check (outcome in (
        'confirmed', 'rework', 'talk_to_owner', 'no_answer', 'busy', 'machine', 'failed',
        'no_input', 'hung_up', 'bridged', 'caller_unreached')),
      rating smallint check (rating between 1 and 5),
      unique (callback_id, attempt)
    );

    create table sms_messages (
      id bigserial primary key,
      message_sid text unique,
      direction text not null check (direction in ('outbound', 'inbound')),
      case_id bigint references cases(id),
      purpose text,
      to_number text not null,
      from_number text not null,
      body text not null,
      status text,
      created_at timestamptz not null default now()
    );
    create index sms_messages_case_idx on sms_messages (case_id);

    create table notifications (
      id bigserial primary key,
      agent_id int not null references agents(id),
      case_id bigint references cases(id),
      kind text not null,
      body text not null,
      created_at timestamptz not null default now(),
      read_at timestamptz,
      -- outbox: agents with a phone number also get each notice by SMS, sent by the sweep
      sms_sent_at timestamptz
    );
    create index notifications_agent_idx on notifications (agent_id, id);
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop table if exists notifications, sms_messages, callback_attempts;
    drop index if exists callbacks_due_idx, callbacks_one_open;
    alter table callbacks drop column max_attempts, drop column last_attempt_at,
      drop column deadline_at;
    alter table callbacks drop constraint callbacks_status_check;
    alter table callbacks add constraint callbacks_status_check check (status in (
      'pending', 'dialing', 'done', 'failed', 'cancelled'));
    alter table callbacks add constraint callbacks_case_id_purpose_due_at_key
      unique (case_id, purpose, due_at);
    alter table cases drop column resolved_at, drop column resolution_summary,
      drop column rework_count, drop column satisfaction, drop column closed_by,
      drop column override_by, drop column override_reason;
  `.execute(db)
}
