import type { Kysely } from 'kysely'
import { sql } from 'kysely'

// Frozen in time: never import application code here.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- The department directory and routing table (部门责任落实表): who answers for what, when,
    -- and how the caller can reach them afterwards.
    alter table departments
      add column name_en text,
      add column contact_name text,
      add column public_phone text check (public_phone ~ '^\\+[1-9][0-9]{6,14}$'),
      -- 'HH:MM-HH:MM' local time; the days are 'working' (calendar working days) or 'every'
      add column service_hours text not null default '00:00-24:00'
        check (service_hours ~ '^[0-2][0-9]:[0-5][0-9]-[0-2][0-9]:[0-5][0-9]$'),
      add column service_days text not null default 'every'
        check (service_days in ('working', 'every')),
      add column active boolean not null default true,
      add column updated_at timestamptz not null default now();

    -- The department's people who take transfers, rung in rank order while on duty.
    create table department_people (
      id serial primary key,
      department_id int not null references departments(id),
      name text not null,
      phone_number text check (phone_number ~ '^\\+[1-9][0-9]{6,14}$'),
      client_identity text check (client_identity ~ '^[A-Za-z0-9_.-]{1,121}$'),
      rank smallint not null default 0,
      on_duty boolean not null default false,
      active boolean not null default true,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      check (phone_number is not null or client_identity is not null)
    );
    create index department_people_duty_idx on department_people (department_id, rank)
      where on_duty and active;

    -- Which categories each department handles: what an agent is offered first.
    create table department_categories (
      department_id int not null references departments(id),
      category_id int not null references categories(id),
      primary key (department_id, category_id)
    );

    -- Bodies outside the organisation a matter can be referred to (external referral).
    create table external_bodies (
      id serial primary key,
      code text not null unique check (code ~ '^[a-z0-9-]{2,40}$'),
      name text not null,
      phone text not null,
      note text,
      active boolean not null default true,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );

    -- The one-time notice catalogue (一次性告知): what to bring or do, the steps, the time limit,
    -- per language; an agent sends one complete notice in one action.
    create table service_items (
      id serial primary key,
      code text not null unique check (code ~ '^[a-z0-9-]{2,40}$'),
      category_id int references categories(id),
      content jsonb not null,
      active boolean not null default true,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );

    -- Every notice sent, exactly as sent: the record that the caller was told once, completely.
    create table case_notices (
      id bigserial primary key,
      case_id bigint not null references cases(id),
      service_item_id int not null references service_items(id),
      language text not null check (language in ('zh-CN', 'en-US')),
      body text not null,
      to_number text not null,
      sms_id bigint references sms_messages(id),
      sent_by_agent_id int references agents(id),
      -- set when the caller asked for it again from the IVR
      resent_from bigint references case_notices(id),
      created_at timestamptz not null default now()
    );
    create index case_notices_case_idx on case_notices (case_id, id);

    -- Changes to the directory, append-only like case_events: who changed the routing and when.
    create table directory_events (
      id bigserial primary key,
      entity text not null check (entity in (
        'department', 'department_person', 'department_categories', 'external_body',
        'service_item')),
      entity_id text not null,
      action text not null,
      actor_agent_id int references agents(id),
      data jsonb not null default '{}'::jsonb,
      occurred_at timestamptz not null default now()
    );
    create trigger directory_events_no_update before update or delete on directory_events
      for each row execute function case_events_append_only();
    create trigger directory_events_no_truncate before truncate on directory_events
      for each statement execute function case_events_append_only();

    -- A transfer of a live call to a department. The first owner is copied in, so the record
    -- shows who stayed responsible whatever happened later.
    create table transfers (
      id uuid primary key,
      case_id bigint not null references cases(id),
      call_sid text not null references calls(call_sid),
      mode text not null check (mode in ('warm', 'cold')),
      department_id int not null references departments(id),
      person_id int references department_people(id),
      leg_call_sid text unique,
      requested_by int not null references agents(id),
      first_owner_id int references agents(id),
      -- the requesting agent's leg in the conference, and when it left it
      agent_leg_sid text,
      agent_left_at timestamptz,
      note text,
      status text not null default 'dialing' check (status in (
        'dialing', 'ringing', 'briefing', 'consulting', 'bridged', 'declined', 'no_answer',
        'busy', 'failed', 'cancelled', 'caller_gone')),
      created_at timestamptz not null default now(),
      answered_at timestamptz,
      accepted_at timestamptz,
      bridged_at timestamptz,
      ended_at timestamptz
    );
    create index transfers_case_idx on transfers (case_id, created_at);
    -- One transfer at a time per call: a second request while one is live is refused.
    create unique index transfers_one_live on transfers (call_sid)
      where status in ('dialing', 'ringing', 'briefing', 'consulting');

    -- Who is in which conference now, from Twilio's participant-join/leave callbacks: the app
    -- ends a conference itself when the caller is left alone in it.
    -- Keyed by the conference's SID: a caller put back in the queue joins a new conference of
    -- the same name. A leave that arrives before its join still wins.
    create table conference_presence (
      conference_sid text not null,
      call_sid text not null,
      joined_at timestamptz,
      left_at timestamptz,
      primary key (conference_sid, call_sid)
    );

    alter table cases
      add column assigned_at timestamptz,
      add column assignee_due_at timestamptz,
      add column referral jsonb;

    -- A department callback rings the department's on-duty person first.
    alter table callbacks add column department_id int references departments(id);
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    alter table callbacks drop column department_id;
    alter table cases drop column assigned_at, drop column assignee_due_at, drop column referral;
    drop table if exists conference_presence, transfers, directory_events, case_notices,
      service_items, external_bodies, department_categories, department_people;
    alter table departments drop column name_en, drop column contact_name,
      drop column public_phone, drop column service_hours, drop column service_days,
      drop column active, drop column updated_at;
  `.execute(db)
}
