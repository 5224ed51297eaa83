import type { Kysely } from 'kysely'
import { sql } from 'kysely'

// Frozen in time: never import application code here.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- The timeliness rate counts a step in the period it fell due in, or was done in: a range on
    -- each column, combined by a bitmap OR. (case_deadlines_open_idx covers open steps only.)
    create index case_deadlines_due_at_idx on case_deadlines (due_at);
    create index case_deadlines_done_at_idx on case_deadlines (done_at) where done_at is not null;

    -- Every grouped rate joins its rows to their case only for the group: first owner, department,
    -- category. With those in the index the join is an index-only scan, whatever the width of the
    -- case rows (content, place, contact).
    create index cases_rate_groups_idx on cases (id)
      include (first_owner_id, assignee_department_id, category_id);

    -- The satisfaction rate reads the rated confirmations answered in a period, nothing else, and
    -- finds each one's case through its callback: index-only on both hops.
    create index callback_attempts_rated_idx on callback_attempts (answered_at)
      where outcome = 'confirmed' and rating is not null;
    create index callbacks_case_of_idx on callbacks (id) include (case_id);
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop index if exists case_deadlines_due_at_idx, case_deadlines_done_at_idx,
      cases_rate_groups_idx, callback_attempts_rated_idx, callbacks_case_of_idx;
  `.execute(db)
}
