import type { Kysely } from 'kysely'
import { sql } from 'kysely'

// Frozen in time: never import application code here.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- The severities or kinds within a category (seed-digest §2.3–2.4): the resolution limit
    -- of a case depends on them. Keyed by category code, like time_limit_policies, so the
    -- seeded rows wait for a deployment that has not created the category yet.
    create table category_variants (
      category text not null check (category ~ '^[a-z0-9_]{2,40}$'),
      code text not null check (code ~ '^[a-z0-9_]{2,40}$'),
      name_zh text not null check (btrim(name_zh) <> ''),
      name_en text not null check (btrim(name_en) <> ''),
      is_default boolean not null default false,
      updated_by int references agents(id),
      updated_at timestamptz not null default now(),
      primary key (category, code)
    );
    -- A category's default is what a case of it gets until the agent says otherwise: one.
    create unique index category_variants_one_default on category_variants (category)
      where is_default;

    insert into category_variants (category, code, name_zh, name_en, is_default) values
      ('repair', 'simple', '简易维修', 'simple repair (bulb, lock, small part)', false),
      ('repair', 'in_home', '户内维修', 'other in-home repair', true),
      ('repair', 'common_area', '公共部位维修', 'common-area repair', false),
      ('repair', 'common_area_urgent', '公共部位紧急', 'common area, urgent (danger, overflow)', false),
      ('complaint', 'ordinary', '情节一般', 'ordinary', true),
      ('complaint', 'serious', '情节严重', 'serious', false),
      ('inquiry', 'general', '一般信息', 'general information', true),
      ('inquiry', 'third_party', '特约服务商', 'third-party provider', false),
      ('inquiry', 'utility', '公共事业', 'public utility', false);

    -- The policies' variant codes as the issue names them: underscores, like category codes.
    alter table time_limit_policies drop constraint time_limit_policies_variant_check;
    update time_limit_policies set variant = replace(variant, '-', '_') where variant like '%-%';
    alter table time_limit_policies add constraint time_limit_policies_variant_check
      check (variant ~ '^[a-z0-9_]{2,40}$');

    -- #31 "other complaints: the manager decides": until the manager sets a limit on the case,
    -- a case without a category (or of a category without a limit) has one working day.
    insert into time_limit_policies (step, category, variant, amount, unit, basis, source)
    select 'resolution', null, null, 1, 'days', 'working',
      '#31 其他投诉的处理时限由物业经理视乎具体情况而决定 (until the manager sets it: 1 working day)'
    where not exists (
      select 1 from time_limit_policies
      where step = 'resolution' and category is null and variant is null);

    alter table cases add column variant text check (variant ~ '^[a-z0-9_]{2,40}$');

    -- Where a case came from (the sources give walk-ins, relays and superiors' instructions
    -- the same first-owner duty as calls).
    alter table cases drop constraint cases_source_check;
    update cases set source = 'internal' where source = 'internal_relay';
    update cases set source = 'superior' where source = 'superior_instruction';
    alter table cases add constraint cases_source_check
      check (source in ('call', 'walk_in', 'internal', 'superior', 'letter', 'email'));
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    alter table cases drop constraint cases_source_check;
    update cases set source = 'internal_relay' where source = 'internal';
    update cases set source = 'superior_instruction' where source = 'superior';
    update cases set source = 'walk_in' where source in ('letter', 'email');
    alter table cases add constraint cases_source_check
      check (source in ('call', 'walk_in', 'internal_relay', 'superior_instruction'));
    alter table cases drop column variant;
    delete from time_limit_policies
      where step = 'resolution' and category is null and variant is null;
    alter table time_limit_policies drop constraint time_limit_policies_variant_check;
    update time_limit_policies set variant = replace(variant, '_', '-') where variant like '%\\_%';
    alter table time_limit_policies add constraint time_limit_policies_variant_check
      check (variant ~ '^[a-z0-9_-]{2,40}$');
    drop table category_variants;
  `.execute(db)
}
