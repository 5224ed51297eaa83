import type { Kysely } from 'kysely'
import { sql } from 'kysely'

// Frozen in time: never import application code here.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- A department's answer on a case it was assigned: who handles it, what was said, and
    -- what was promised by when. It meets that department's department_answer clock.
    create table department_answers (
      id bigserial primary key,
      case_id bigint not null references cases(id),
      department_id int not null references departments(id),
      handler text not null,
      answer text not null,
      promised_by timestamptz,
      recorded_by int not null references agents(id),
      recorded_at timestamptz not null
    );
    create index department_answers_case_idx on department_answers (case_id, recorded_at);
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table if exists department_answers`.execute(db)
}
