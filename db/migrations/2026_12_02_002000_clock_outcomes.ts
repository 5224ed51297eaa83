import type { Kysely } from 'kysely'
import { sql } from 'kysely'

// Frozen in time: never import application code here.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table case_deadlines
      -- Every clock ends once, for a reason: met (done by its due time), missed (done late, or
      -- the case ended after it was due), cancelled (the case ended before it was due).
      add column outcome text not null default 'open'
        check (outcome in ('open', 'met', 'missed', 'cancelled')),
      add column ended_at timestamptz,
      -- Rework (the caller's "2") opens round 2, 3, …: new clocks counted on their own.
      add column round int not null default 1 check (round >= 1),
      -- A department_answer clock per assigned department, each with its own due time.
      add column department_id int references departments(id),
      -- The due time before a manager's approved extension moved it.
      add column original_due_at timestamptz,
      add constraint case_deadlines_ended check ((outcome = 'open') = (ended_at is null));

    -- Rows written before: done by the due time is met, done late is missed; a clock left open
    -- on a case that has ended ends with the case (cancelled if it was not due yet).
    update case_deadlines d set
      outcome = case
        when d.done_at is not null then
          case when d.done_at <= d.due_at or d.extended_by is not null then 'met' else 'missed' end
        when k.status in ('closed', 'declined', 'referred_external') then
          case when d.due_at > coalesce(k.closed_at, k.declined_at, k.updated_at)
            then 'cancelled' else 'missed' end
        else 'open' end,
      ended_at = case
        when d.done_at is not null then d.done_at
        when k.status in ('closed', 'declined', 'referred_external') then
          coalesce(k.closed_at, k.declined_at, k.updated_at)
        end
    from cases k where k.id = d.case_id;

    alter table case_deadlines drop constraint case_deadlines_case_id_step_key;
    create unique index case_deadlines_clock_key
      on case_deadlines (case_id, step, round, coalesce(department_id, 0));
    drop index case_deadlines_open_idx;
    create index case_deadlines_open_idx on case_deadlines (due_at) where outcome = 'open';
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop index if exists case_deadlines_open_idx;
    drop index if exists case_deadlines_clock_key;
    delete from case_deadlines where round > 1 or id not in (
      select min(id) from case_deadlines group by case_id, step);
    alter table case_deadlines
      add constraint case_deadlines_case_id_step_key unique (case_id, step),
      drop constraint case_deadlines_ended,
      drop column outcome, drop column ended_at, drop column round,
      drop column department_id, drop column original_due_at;
    create index case_deadlines_open_idx on case_deadlines (due_at) where done_at is null;
  `.execute(db)
}
