import type { Kysely } from 'kysely'
import { sql } from 'kysely'

// Frozen in time: never import application code here.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table cases
      -- 识别率 compares the category an agent recorded at the first save of the record with the
      -- category at closure. Set once, never moved; an IVR key is not an agent's classification.
      add column first_recorded_category_id int references categories(id),
      -- 回访率 shows a caller's "1" by SMS apart from a "1" on a spoken return call.
      add column closed_via text check (closed_via in ('call', 'sms'));

    -- Cases from before: the first event by an agent that carries a category (a record change
    -- setting one, or a case recorded by an agent with one). Cases without such an event stay
    -- null: never classified by an agent, so outside the classification rate.
    update cases k set first_recorded_category_id = f.category_id
    from (
      select distinct on (e.case_id) e.case_id,
        coalesce(
          (e.data -> 'changes' -> 'category_id' ->> 'to')::int,
          (select g.id from categories g where g.code = e.data ->> 'category')
        ) as category_id
      from case_events e
      where e.actor_kind = 'agent'
        and ((e.type = 'case_updated' and jsonb_typeof(e.data -> 'changes' -> 'category_id' -> 'to') = 'number')
          or (e.type = 'case_opened' and jsonb_typeof(e.data -> 'category') = 'string'))
      order by e.case_id, e.occurred_at, e.id
    ) f
    where k.id = f.case_id and f.category_id is not null;

    update cases k set closed_via = e.data ->> 'via'
    from case_events e
    where e.case_id = k.id and e.type = 'case_closed_by_caller'
      and e.data ->> 'via' in ('call', 'sms') and k.closed_by = 'caller';

    -- 信息准确率: on the quality-sample return call the caller says whether the recorded details
    -- were right, and which were wrong. Null: not asked (or not reached).
    alter table quality_samples
      add column details_correct boolean,
      add column wrong_fields text[],
      add constraint quality_samples_details check (
        (details_correct is null and wrong_fields is null)
        or (details_correct and wrong_fields is null)
        or (not details_correct and cardinality(wrong_fields) > 0));

    -- The targets, as data an administrator edits (audited in admin_events as 'rate_target').
    -- 'gt' is "more than" (> 98 %), 'gte' "at least" (100 %).
    create table rate_targets (
      rate text primary key check (rate in ('timeliness', 'satisfaction', 'returnCall', 'pass',
        'classification', 'informationAccuracy')),
      value numeric(6, 5) not null check (value >= 0 and value <= 1),
      comparison text not null check (comparison in ('gte', 'gt')),
      updated_by int references agents(id),
      updated_at timestamptz not null default now()
    );
    insert into rate_targets (rate, value, comparison) values
      ('timeliness', 1, 'gte'),
      ('satisfaction', 0.98, 'gt'),
      ('returnCall', 1, 'gte'),
      ('pass', 1, 'gte'),
      ('classification', 0.99, 'gt'),
      ('informationAccuracy', 0.98, 'gt');

    -- 及时率 counts each clock once, in the period of its original due time. Covering: a
    -- month of a year's clocks is read from the index alone, not fetched row by row (at 5
    -- million cases the planner otherwise reads the whole table).
    create index case_deadlines_rate_due_idx
      on case_deadlines ((coalesce(original_due_at, due_at)))
      include (case_id, outcome, due_at)
      where outcome <> 'cancelled';
    -- 满意率 reads every answered return call with a verdict (1 or 2), rated or not.
    create index callback_attempts_verdict_idx on callback_attempts (answered_at)
      include (callback_id, outcome, rating)
      where outcome in ('confirmed', 'rework') and answered_at is not null;
    -- 信息准确率 finds the sampled cases' answers from the cases closed in the period.
    create index quality_samples_checked_idx on quality_samples (case_id)
      include (details_correct)
      where details_correct is not null;
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop index if exists case_deadlines_rate_due_idx, callback_attempts_verdict_idx,
      quality_samples_checked_idx;
    drop table if exists rate_targets;
    alter table quality_samples drop constraint if exists quality_samples_details,
      drop column if exists details_correct, drop column if exists wrong_fields;
    alter table cases drop column if exists first_recorded_category_id,
      drop column if exists closed_via;
  `.execute(db)
}
