import type { Kysely } from 'kysely'
import { sql } from 'kysely'

// Frozen in time: never import application code here.

/**
 * A month's rates by agent, department or category, at 5 million cases a year, were 1.65-1.9 s
 * (target 1 s). After the clocks (migration 007400) the rest was two statements:
 *
 * - 满意率 found each of a month's answered return calls (~400,000) its case through its
 *   callback: two index lookups per row. Each attempt now carries its callback's case id (a
 *   callback never changes case, so the copy cannot go stale: no race, no lock), and the verdict
 *   index holds it, so one lookup is left (into cases_rate_groups_idx, index-only).
 * - 回访率, 合格率 and 识别率 read the month's closed cases from cases_closed_at_idx and then
 *   fetched every case row from the heap. A covering index of the closed cases holds every column
 *   they count or group by, so a month is read from the index alone.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table callback_attempts add column case_id bigint;
    update callback_attempts a set case_id = cb.case_id
      from callbacks cb where cb.id = a.callback_id;
    alter table callback_attempts alter column case_id set not null;

    -- Filled from the callback when an insert does not give it. No foreign key of its own: the
    -- callback's is the same one.
    create function callback_attempts_case_of_callback() returns trigger
      language plpgsql as $$
      begin
        if new.case_id is null then
          select cb.case_id into new.case_id from callbacks cb where cb.id = new.callback_id;
        end if;
        return new;
      end $$;
    create trigger callback_attempts_case_id
      before insert on callback_attempts
      for each row execute function callback_attempts_case_of_callback();

    create index callback_attempts_verdict_case_idx on callback_attempts (answered_at)
      include (case_id, outcome, rating)
      where outcome in ('confirmed', 'rework') and answered_at is not null;
    drop index if exists callback_attempts_verdict_idx;

    create index cases_closed_rate_idx on cases (closed_at)
      include (first_owner_id, assignee_department_id, category_id, first_recorded_category_id,
        closed_by, closed_via, rework_count)
      where status = 'closed';
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    create index if not exists callback_attempts_verdict_idx on callback_attempts (answered_at)
      include (callback_id, outcome, rating)
      where outcome in ('confirmed', 'rework') and answered_at is not null;
    drop index if exists callback_attempts_verdict_case_idx, cases_closed_rate_idx;
    drop trigger if exists callback_attempts_case_id on callback_attempts;
    drop function if exists callback_attempts_case_of_callback();
    alter table callback_attempts drop column if exists case_id;
  `.execute(db)
}
