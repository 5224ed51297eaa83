import type { Kysely } from 'kysely'
import { sql } from 'kysely'

// Frozen in time: never import application code here.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- Administrators' wording of IVR prompts, per language; a missing row means the built-in text.
    create table ivr_prompts (
      language text not null check (language in ('zh-CN', 'en-US')),
      key text not null check (key ~ '^[a-zA-Z]{2,40}$'),
      text text not null check (length(text) between 1 and 500),
      updated_by int not null references agents(id),
      updated_at timestamptz not null default now(),
      primary key (language, key)
    );
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table if exists ivr_prompts`.execute(db)
}
