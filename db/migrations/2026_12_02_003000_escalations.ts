import type { Kysely } from 'kysely'
import { sql } from 'kysely'

// Frozen in time: never import application code here.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- "Can't handle it: ask the supervisor; the caller has an answer within 5 minutes" (the
    -- sources). One row per question: who asked, the duty supervisor told at once, the answer,
    -- and when the manager was told that none came in time.
    create table escalations (
      id uuid primary key,
      case_id bigint not null references cases(id),
      question text not null check (length(btrim(question)) >= 3),
      asked_by int not null references agents(id),
      asked_at timestamptz not null,
      due_at timestamptz not null,
      supervisor_id int references agents(id),
      -- the case's supervisor_answer clock, when one was started for this question
      deadline_id bigint references case_deadlines(id),
      answer text,
      answered_by int references agents(id),
      answered_at timestamptz,
      manager_notified_at timestamptz,
      check ((answer is null) = (answered_at is null) and (answer is null) = (answered_by is null))
    );
    create index escalations_case_idx on escalations (case_id);
    create index escalations_waiting_idx on escalations (due_at) where answered_at is null;
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table if exists escalations`.execute(db)
}
