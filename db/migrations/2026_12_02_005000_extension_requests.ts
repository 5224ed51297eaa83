import type { Kysely } from 'kysely'
import { sql } from 'kysely'

// Frozen in time: never import application code here.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- "A limit may be exceeded only with the manager's recorded approval" (the sources): the
    -- owner asks for a later due time on one open clock, with a reason; a manager or
    -- administrator other than the one asking approves or refuses, once.
    create table extension_requests (
      id uuid primary key,
      case_id bigint not null references cases(id),
      deadline_id bigint not null references case_deadlines(id),
      step text not null,
      requested_by int not null references agents(id),
      requested_at timestamptz not null,
      new_due_at timestamptz not null,
      reason text not null check (length(btrim(reason)) >= 3),
      decided_by int references agents(id),
      decided_at timestamptz,
      decision text check (decision in ('approved', 'refused')),
      note text,
      check ((decision is null) = (decided_at is null) and (decision is null) = (decided_by is null))
    );
    create index extension_requests_case_idx on extension_requests (case_id);
    create index extension_requests_waiting_idx on extension_requests (requested_at)
      where decision is null;
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table if exists extension_requests`.execute(db)
}
