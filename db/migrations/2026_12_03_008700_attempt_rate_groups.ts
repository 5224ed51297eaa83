import type { Kysely } from 'kysely'
import { sql } from 'kysely'

// Frozen in time: never import application code here.

/**
 * 满意率 by agent, department or category looked up each of a month's answered return calls'
 * case for the group: at 5 million cases a year ~394,000 index lookups into cases, 0.37 s on
 * three processes, the largest part of a month's rates by agent. Each attempt now carries its
 * case's group columns, as the clocks do (migration 007400), and the verdict index holds them,
 * so the month is read from one index and joins nothing.
 *
 * Kept equal to the case's the same way as the clocks' copies: the attempts' insert trigger
 * (which already fills the case id, 008300) copies them reading the case row FOR SHARE, so an
 * attempt inserted while another transaction changes its case waits for that change; the
 * cases' update trigger now pushes a change to the attempts too, found by a new index on their
 * case id.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table callback_attempts
      add column case_first_owner_id int,
      add column case_assignee_department_id int,
      add column case_category_id int;

    update callback_attempts a
      set case_first_owner_id = c.first_owner_id,
        case_assignee_department_id = c.assignee_department_id,
        case_category_id = c.category_id
      from cases c
      where c.id = a.case_id;

    create or replace function callback_attempts_case_of_callback() returns trigger
      language plpgsql as $$
      begin
        if new.case_id is null then
          select cb.case_id into new.case_id from callbacks cb where cb.id = new.callback_id;
        end if;
        select c.first_owner_id, c.assignee_department_id, c.category_id
          into new.case_first_owner_id, new.case_assignee_department_id, new.case_category_id
          from cases c where c.id = new.case_id
          for share;
        return new;
      end $$;

    create index callback_attempts_case_idx on callback_attempts (case_id);

    create or replace function cases_push_groups_to_clocks() returns trigger
      language plpgsql as $$
      begin
        update case_deadlines
          set case_first_owner_id = new.first_owner_id,
            case_assignee_department_id = new.assignee_department_id,
            case_category_id = new.category_id
          where case_id = new.id;
        update callback_attempts
          set case_first_owner_id = new.first_owner_id,
            case_assignee_department_id = new.assignee_department_id,
            case_category_id = new.category_id
          where case_id = new.id;
        return null;
      end $$;

    -- The month's verdicts with everything 满意率 counts and groups by, read from the index alone.
    create index callback_attempts_verdict_groups_idx on callback_attempts (answered_at)
      include (outcome, rating, case_first_owner_id, case_assignee_department_id,
        case_category_id)
      where outcome in ('confirmed', 'rework') and answered_at is not null;
    drop index if exists callback_attempts_verdict_case_idx;
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    create index if not exists callback_attempts_verdict_case_idx
      on callback_attempts (answered_at)
      include (case_id, outcome, rating)
      where outcome in ('confirmed', 'rework') and answered_at is not null;
    drop index if exists callback_attempts_verdict_groups_idx, callback_attempts_case_idx;

    create or replace function cases_push_groups_to_clocks() returns trigger
      language plpgsql as $$
      begin
        update case_deadlines
          set case_first_owner_id = new.first_owner_id,
            case_assignee_department_id = new.assignee_department_id,
            case_category_id = new.category_id
          where case_id = new.id;
        return null;
      end $$;

    create or replace function callback_attempts_case_of_callback() returns trigger
      language plpgsql as $$
      begin
        if new.case_id is null then
          select cb.case_id into new.case_id from callbacks cb where cb.id = new.callback_id;
        end if;
        return new;
      end $$;

    alter table callback_attempts drop column if exists case_first_owner_id,
      drop column if exists case_assignee_department_id, drop column if exists case_category_id;
  `.execute(db)
}
