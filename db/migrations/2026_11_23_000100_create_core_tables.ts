import type { Kysely } from 'kysely'
import { sql } from 'kysely'

// Frozen in time: never import application code here.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table departments (
      id serial primary key,
      code text not null unique check (code ~ '^[a-z0-9-]{2,40}$'),
      name text not null,
      created_at timestamptz not null default now()
    );

    create table categories (
      id serial primary key,
      code text not null unique check (code ~ '^[a-z0-9_]{2,40}$'),
      name_zh text not null,
      name_en text not null,
      ivr_key smallint unique check (ivr_key between 1 and 8),
      is_emergency boolean not null default false,
      created_at timestamptz not null default now()
    );

    create table agents (
      id serial primary key,
      job_number text not null unique check (job_number ~ '^[0-9A-Za-z]{2,12}$'),
      name text not null,
      phone_number text check (phone_number ~ '^\\+[1-9][0-9]{6,14}$'),
      client_identity text unique check (client_identity ~ '^[A-Za-z0-9_.-]{1,121}$'),
      department_id int references departments(id),
      role text not null check (role in ('agent', 'supervisor', 'manager', 'admin')),
      presence text not null default 'away' check (presence in ('available', 'busy', 'away')),
      presence_changed_at timestamptz not null default now(),
      password_hash text,
      last_offer_at timestamptz,
      created_at timestamptz not null default now(),
      check (phone_number is not null or client_identity is not null)
    );

    create table api_tokens (
      id bigserial primary key,
      agent_id int not null references agents(id),
      token_hash text not null unique,
      kind text not null check (kind in ('session', 'agent')),
      label text,
      expires_at timestamptz,
      revoked_at timestamptz,
      created_at timestamptz not null default now()
    );

    create table hotlines (
      phone_number text primary key check (phone_number ~ '^\\+[1-9][0-9]{6,14}$'),
      name text not null,
      language text not null check (language in ('zh-CN', 'en-US')),
      duty_supervisor_id int not null references agents(id),
      created_at timestamptz not null default now()
    );

    create table callers (
      id bigserial primary key,
      phone_number text not null unique,
      name text,
      city text,
      state text,
      country text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );

    create table case_reference_counters (
      day date primary key,
      last_value int not null
    );

    create table cases (
      id bigserial primary key,
      reference text not null unique,
      hotline_number text references hotlines(phone_number),
      caller_id bigint references callers(id),
      category_id int references categories(id),
      urgency text not null default 'normal' check (urgency in ('normal', 'urgent', 'emergency')),
      source text not null default 'call'
        check (source in ('call', 'walk_in', 'internal_relay', 'superior_instruction')),
      place text,
      content text,
      contact_name text,
      contact_phone text,
      first_owner_id int references agents(id),
      first_owned_at timestamptz,
      assignee_agent_id int references agents(id),
      assignee_department_id int references departments(id),
      status text not null default 'open' check (status in (
        'open', 'in_progress', 'transferred', 'resolved', 'awaiting_confirmation',
        'closed', 'referred_external', 'declined')),
      promised_reply_at timestamptz,
      needs_return_call boolean not null default false,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      closed_at timestamptz
    );
    create index cases_caller_open_idx on cases (caller_id)
      where status not in ('closed', 'referred_external', 'declined');
    create index cases_first_owner_idx on cases (first_owner_id);

    -- The rule of the product, enforced where no code path can skip it:
    -- once a case has a first owner, nothing moves or clears it.
    create function cases_keep_first_owner() returns trigger language plpgsql as $$
    begin
      if old.first_owner_id is not null and new.first_owner_id is distinct from old.first_owner_id then
        raise exception 'first owner of case % cannot change', old.reference
          using errcode = 'check_violation';
      end if;
      return new;
    end $$;
    create trigger cases_keep_first_owner before update on cases
      for each row execute function cases_keep_first_owner();

    create table calls (
      call_sid text primary key check (call_sid ~ '^CA[0-9a-fA-F]{32}$'),
      direction text not null check (direction in ('inbound', 'outbound')),
      kind text not null check (kind in ('caller', 'agent_offer', 'department', 'callback')),
      parent_call_sid text references calls(call_sid),
      case_id bigint references cases(id),
      agent_id int references agents(id),
      hotline_number text,
      from_number text,
      to_number text,
      caller_id bigint references callers(id),
      caller_name text,
      from_city text,
      from_state text,
      from_country text,
      language text check (language in ('zh-CN', 'en-US')),
      status text not null default 'queued',
      status_rank smallint not null default 0,
      last_sequence int not null default -1,
      digits jsonb not null default '[]'::jsonb,
      ivr_state jsonb not null default '{}'::jsonb,
      queue_state text not null default 'ivr' check (queue_state in (
        'ivr', 'waiting', 'connected', 'voicemail', 'abandoned', 'ended')),
      priority smallint not null default 0,
      preferred_agent_id int references agents(id),
      enqueued_at timestamptz,
      answered_by_agent_id int references agents(id),
      answered_at timestamptz,
      started_at timestamptz not null default now(),
      ended_at timestamptz,
      duration_seconds int,
      conference_name text,
      conference_sid text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create index calls_waiting_idx on calls (priority desc, enqueued_at) where queue_state = 'waiting';
    create index calls_case_idx on calls (case_id);

    create table agent_offers (
      id uuid primary key,
      call_sid text not null references calls(call_sid),
      case_id bigint references cases(id),
      agent_id int not null references agents(id),
      leg_call_sid text unique,
      wave int not null,
      status text not null default 'dialing' check (status in (
        'dialing', 'ringing', 'answered', 'accepted', 'declined', 'no_answer', 'busy',
        'failed', 'cancelled', 'taken', 'caller_gone')),
      created_at timestamptz not null default now(),
      answered_at timestamptz,
      -- set when the agent's leg is seen in the caller's conference: an accepted call that never
      -- got there is handed back to the queue
      joined_at timestamptz,
      ended_at timestamptz
    );
    create index agent_offers_call_idx on agent_offers (call_sid);
    create index agent_offers_live_idx on agent_offers (agent_id)
      where status in ('dialing', 'ringing', 'answered');

    -- One row per Twilio status callback ever applied: a retried callback hits the key and is dropped.
    create table status_receipts (
      resource_sid text not null,
      event text not null,
      sequence_number int not null,
      received_at timestamptz not null default now(),
      primary key (resource_sid, event, sequence_number)
    );

    create table voicemails (
      id bigserial primary key,
      case_id bigint not null references cases(id),
      call_sid text not null references calls(call_sid),
      recording_sid text unique,
      recording_url text,
      duration_seconds int,
      created_at timestamptz not null default now()
    );

    -- Return calls owed to callers. Issue "callbacks" builds the engine; the foundation records
    -- the debt here so an unanswered caller is never forgotten, whatever happens to Redis.
    create table callbacks (
      id bigserial primary key,
      case_id bigint not null references cases(id),
      purpose text not null check (purpose in (
        'confirmation', 'promised_reply', 'department_callback', 'unanswered_inbound')),
      attempt int not null default 0,
      due_at timestamptz not null,
      status text not null default 'pending' check (status in (
        'pending', 'dialing', 'done', 'failed', 'cancelled')),
      outcome text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (case_id, purpose, due_at)
    );

    create table case_events (
      id bigserial primary key,
      case_id bigint not null references cases(id),
      type text not null,
      actor_kind text not null check (actor_kind in ('agent', 'caller', 'system', 'department')),
      actor_agent_id int references agents(id),
      first_owner_id int references agents(id),
      call_sid text,
      data jsonb not null default '{}'::jsonb,
      occurred_at timestamptz not null default now()
    );
    create index case_events_case_idx on case_events (case_id, id);

    -- Append-only, enforced by the database: responsibility can be traced back only if the
    -- trace cannot be rewritten (责任倒查).
    create function case_events_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'case_events is append-only: % refused', tg_op
        using errcode = 'insufficient_privilege';
    end $$;
    create trigger case_events_no_update before update or delete on case_events
      for each row execute function case_events_append_only();
    create trigger case_events_no_truncate before truncate on case_events
      for each statement execute function case_events_append_only();
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop table if exists case_events, callbacks, voicemails, status_receipts, agent_offers, calls,
      cases, case_reference_counters, callers, hotlines, api_tokens, agents, categories, departments
      cascade;
    drop function if exists case_events_append_only, cases_keep_first_owner;
  `.execute(db)
}
