import { sql } from 'kysely'

import type { Db } from '../db/database.ts'
import type { ClockOutcome, LimitStepName } from '../db/schema.ts'

/** One clock of a case as the API shows it (GET /api/cases/:ref `clocks`). */
export interface CaseClock {
  step: LimitStepName
  round: number
  /** The department whose answer the clock waits for (department_answer only). */
  department: string | null
  startedAt: Date
  dueAt: Date
  /** The due time before an approved extension moved it; null when never extended. */
  originalDueAt: Date | null
  endedAt: Date | null
  outcome: ClockOutcome
}

/** A case's clocks, the running ones first and nearest due first, then the ended ones. */
export async function listCaseClocks(db: Db, caseId: string): Promise<CaseClock[]> {
  const rows = await db
    .selectFrom('case_deadlines as d')
    .leftJoin('departments as dep', 'dep.id', 'd.department_id')
    .select([
      'd.step',
      'd.round',
      'dep.code as department',
      'd.started_at',
      'd.due_at',
      'd.original_due_at',
      'd.ended_at',
      'd.outcome',
    ])
    .where('d.case_id', '=', caseId)
    .orderBy(sql`d.outcome = 'open'`, 'desc')
    .orderBy('d.due_at')
    .orderBy('d.id')
    .execute()
  return rows.map((r) => ({
    step: r.step,
    round: r.round,
    department: r.department,
    startedAt: r.started_at,
    dueAt: r.due_at,
    originalDueAt: r.original_due_at,
    endedAt: r.ended_at,
    outcome: r.outcome,
  }))
}
