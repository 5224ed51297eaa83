import type { Kysely } from 'kysely'
import { sql } from 'kysely'

// Frozen in time: never import application code here. The seed below is a literal copy of
// src/domain/time-limit-defaults.ts as it stood when this migration was written.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- The time limit of each step, per category and variant, as administrators set it.
    -- category is a category code (not a foreign key: the defaults name categories a deployment
    -- may not have created yet); a variant only means something within a category.
    create table time_limit_policies (
      id serial primary key,
      step text not null check (step in (
        'record', 'dispatch', 'supervisor_answer', 'department_answer', 'resolution',
        'confirmation_call')),
      category text check (category ~ '^[a-z0-9_]{2,40}$'),
      variant text check (variant ~ '^[a-z0-9_-]{2,40}$'),
      amount numeric(12, 3) not null check (amount > 0),
      unit text not null check (unit in ('minutes', 'days')),
      basis text not null check (basis in ('calendar', 'working')),
      source text not null check (btrim(source) <> ''),
      updated_by int references agents(id),
      updated_at timestamptz not null default now(),
      check (variant is null or category is not null),
      -- days are whole: half a day is 240 working minutes
      check (unit = 'minutes' or amount = trunc(amount))
    );
    -- One row per step, category and variant, where "any category" and "no variant" count as
    -- values: a plain unique constraint would allow two global defaults (NULLs are distinct).
    create unique index time_limit_policies_key on time_limit_policies
      (step, coalesce(category, ''), coalesce(variant, ''));

    insert into time_limit_policies (step, category, variant, amount, unit, basis, source) values
      ('record', null, null, 1, 'minutes', 'calendar', '#4 1分钟内录入'),
      ('dispatch', null, null, 2, 'minutes', 'calendar', '#6 分类及传递时间2分钟'),
      ('dispatch', 'emergency', null, 1.5, 'minutes', 'calendar', '#5 突发紧急…90秒内完成'),
      ('supervisor_answer', null, null, 5, 'minutes', 'calendar', '#3 向主管请示后5分钟内给予回复'),
      ('department_answer', null, null, 1, 'days', 'working', '#15 一个工作日内将结果答复客人'),
      ('confirmation_call', null, null, 2, 'minutes', 'calendar', '#13 2分钟内100%回访客户'),
      ('resolution', 'emergency', null, 10, 'minutes', 'calendar', '#25 维修人员到现场时间不超过10分钟'),
      ('resolution', 'neighbour', null, 15, 'minutes', 'calendar', '#30 处理人员在15分钟内到达'),
      ('resolution', 'complaint', null, 240, 'minutes', 'working', '#23 default: ordinary'),
      ('resolution', 'complaint', 'ordinary', 240, 'minutes', 'working', '#23 情节一般的，不超过半天'),
      ('resolution', 'complaint', 'serious', 2, 'days', 'calendar', '#24 情节严重，不超过2天'),
      ('resolution', 'repair', null, 7, 'days', 'working', '#27 default: other repairs'),
      ('resolution', 'repair', 'simple', 240, 'minutes', 'working', '#26 简易维修项目，不超过半天'),
      ('resolution', 'repair', 'in-home', 7, 'days', 'working', '#27 一般不能超过7个工作日'),
      ('resolution', 'repair', 'common-area', 3, 'days', 'working', '#29 不得超过3个工作日'),
      ('resolution', 'repair', 'common-area-urgent', 10, 'minutes', 'calendar', '#28 到现场时间不得超过10分钟'),
      ('resolution', 'inquiry', null, 30, 'minutes', 'calendar', '#34 default: general'),
      ('resolution', 'inquiry', 'general', 30, 'minutes', 'calendar', '#34 不能马上回复，不超过30分钟'),
      ('resolution', 'inquiry', 'third-party', 30, 'minutes', 'calendar', '#36 不超过30分钟回复 (provider on site 1 h)'),
      ('resolution', 'inquiry', 'utility', 2, 'days', 'working', '#37 原则上不得超过2个工作日');

    -- An administrator's decision about one date; it wins over the published holiday
    -- arrangement (chinese-days) and the weekend rule. A later decision replaces it.
    create table calendar_overrides (
      date date primary key,
      kind text not null check (kind in ('workday', 'holiday')),
      note text not null check (btrim(note) <> ''),
      created_by int not null references agents(id),
      created_at timestamptz not null default now()
    );

    -- Who changed which setting, from what to what. Append-only like case_events.
    create table admin_events (
      id bigserial primary key,
      actor_agent_id int not null references agents(id),
      entity text not null check (entity ~ '^[a-z_]{2,40}$'),
      entity_key text not null,
      action text not null check (action in ('created', 'updated', 'deleted')),
      before jsonb,
      after jsonb,
      occurred_at timestamptz not null default now(),
      check (before is not null or after is not null)
    );
    create index admin_events_entity_idx on admin_events (entity, entity_key, id);

    create function admin_events_append_only() returns trigger language plpgsql as $$
    begin
      raise exception '% is append-only: % refused', tg_table_name, tg_op
        using errcode = 'insufficient_privilege';
    end $$;
    create trigger admin_events_no_update before update or delete on admin_events
      for each row execute function admin_events_append_only();
    create trigger admin_events_no_truncate before truncate on admin_events
      for each statement execute function admin_events_append_only();
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop table if exists admin_events, calendar_overrides, time_limit_policies;
    drop function if exists admin_events_append_only;
  `.execute(db)
}
