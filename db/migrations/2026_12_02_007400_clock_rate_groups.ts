import type { Kysely } from 'kysely'
import { sql } from 'kysely'

// Frozen in time: never import application code here.

/**
 * 及时率 by agent, department or category joined a month's clocks (1.25 million at 5 million
 * cases a year) to the cases for the group: most of 1.65 s. Each clock now carries its case's
 * group columns, kept equal to the case's by two triggers, so the report reads a month from one
 * covering index and joins nothing.
 *
 * Triggers rather than the use-cases: a case's first owner, department and category are set by
 * a dozen use-cases, and a copy that one of them forgot would make a supervisor's figure wrong
 * without a sound. The insert trigger reads the case row FOR SHARE, so a clock opened while
 * another transaction changes its case waits for that change and copies the new value (without
 * the lock it could copy the old one, and the update trigger, which cannot see an uncommitted
 * clock, would never correct it).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table case_deadlines
      add column case_first_owner_id int,
      add column case_assignee_department_id int,
      add column case_category_id int;

    update case_deadlines d
      set case_first_owner_id = c.first_owner_id,
        case_assignee_department_id = c.assignee_department_id,
        case_category_id = c.category_id
      from cases c
      where c.id = d.case_id;

    create function case_deadlines_copy_case_groups() returns trigger
      language plpgsql as $$
      begin
        select c.first_owner_id, c.assignee_department_id, c.category_id
          into new.case_first_owner_id, new.case_assignee_department_id, new.case_category_id
          from cases c where c.id = new.case_id
          for share;
        return new;
      end $$;
    create trigger case_deadlines_case_groups
      before insert on case_deadlines
      for each row execute function case_deadlines_copy_case_groups();

    create function cases_push_groups_to_clocks() returns trigger
      language plpgsql as $$
      begin
        update case_deadlines
          set case_first_owner_id = new.first_owner_id,
            case_assignee_department_id = new.assignee_department_id,
            case_category_id = new.category_id
          where case_id = new.id;
        return null;
      end $$;
    create trigger cases_groups_to_clocks
      after update of first_owner_id, assignee_department_id, category_id on cases
      for each row
      when (old.first_owner_id is distinct from new.first_owner_id
        or old.assignee_department_id is distinct from new.assignee_department_id
        or old.category_id is distinct from new.category_id)
      execute function cases_push_groups_to_clocks();

    -- The month's clocks with everything 及时率 counts and groups by, read from the index alone.
    create index case_deadlines_rate_groups_idx
      on case_deadlines ((coalesce(original_due_at, due_at)))
      include (outcome, due_at, case_first_owner_id, case_assignee_department_id, case_category_id)
      where outcome <> 'cancelled';
    drop index if exists case_deadlines_rate_due_idx;
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    create index if not exists case_deadlines_rate_due_idx
      on case_deadlines ((coalesce(original_due_at, due_at)))
      include (case_id, outcome, due_at)
      where outcome <> 'cancelled';
    drop index if exists case_deadlines_rate_groups_idx;
    drop trigger if exists cases_groups_to_clocks on cases;
    drop function if exists cases_push_groups_to_clocks();
    drop trigger if exists case_deadlines_case_groups on case_deadlines;
    drop function if exists case_deadlines_copy_case_groups();
    alter table case_deadlines drop column if exists case_first_owner_id,
      drop column if exists case_assignee_department_id, drop column if exists case_category_id;
  `.execute(db)
}
