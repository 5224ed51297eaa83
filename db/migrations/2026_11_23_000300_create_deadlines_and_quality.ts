import type { Kysely } from 'kysely'
import { sql } from 'kysely'

// Frozen in time: never import application code here.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- Each step of a case with a time limit: when it is due, when the owner is warned (80 %),
    -- and when it was done or breached. The timeliness rate (及时率) is computed from these rows.
    create table case_deadlines (
      id bigserial primary key,
      case_id bigint not null references cases(id),
      step text not null check (step in (
        'record', 'dispatch', 'supervisor_answer', 'department_answer', 'resolution',
        'confirmation_call')),
      started_at timestamptz not null,
      due_at timestamptz not null,
      warn_at timestamptz not null,
      warned_at timestamptz,
      breached_at timestamptz,
      done_at timestamptz,
      -- a manager's recorded approval to exceed the limit
      extended_by int references agents(id),
      extension_reason text,
      created_at timestamptz not null default now(),
      unique (case_id, step)
    );
    create index case_deadlines_open_idx on case_deadlines (due_at) where done_at is null;

    -- The category a case had when it was dispatched (first owner claimed): the classification
    -- rate (识别率) counts cases whose category changed after that.
    alter table cases add column dispatched_category_id int references categories(id);

    -- The monthly quality sample: a supervisor's own return call on >= 10 % of closed cases.
    create table quality_samples (
      id bigserial primary key,
      month date not null check (extract(day from month) = 1),
      case_id bigint not null references cases(id),
      category_id int references categories(id),
      supervisor_id int references agents(id),
      status text not null default 'pending' check (status in ('pending', 'done', 'unreachable')),
      satisfied boolean,
      rating smallint check (rating between 1 and 5),
      note text,
      created_at timestamptz not null default now(),
      done_at timestamptz,
      unique (month, case_id)
    );

    -- Rates over a million cases must answer in under a second.
    create index cases_closed_at_idx on cases (closed_at) where closed_at is not null;
    create index cases_created_at_idx on cases (created_at);
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop index if exists cases_closed_at_idx, cases_created_at_idx;
    drop table if exists quality_samples, case_deadlines;
    alter table cases drop column dispatched_category_id;
  `.execute(db)
}
