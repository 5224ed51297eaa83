import { sql } from 'kysely'

import type { Db } from '../db/database.ts'
import type { LimitStepName } from '../db/schema.ts'

export interface DueRow {
  id: string
  caseId: string
  step: LimitStepName
  dueAt: Date
}

/** One deadline per case and step; starting it again (a retried webhook) changes nothing. */
export async function openDeadline(
  db: Db,
  d: { caseId: string; step: LimitStepName; startedAt: Date; dueAt: Date; warnAt: Date },
): Promise<void> {
  await db
    .insertInto('case_deadlines')
    .values({
      case_id: d.caseId,
      step: d.step,
      started_at: d.startedAt,
      due_at: d.dueAt,
      warn_at: d.warnAt,
      warned_at: null,
      breached_at: null,
      done_at: null,
      extended_by: null,
      extension_reason: null,
    })
    .onConflict((oc) => oc.columns(['case_id', 'step']).doNothing())
    .execute()
}

export async function completeDeadline(
  db: Db,
  caseId: string,
  step: LimitStepName,
  at: Date,
): Promise<void> {
  await db
    .updateTable('case_deadlines')
    .set({ done_at: at })
    .where('case_id', '=', caseId)
    .where('step', '=', step)
    .where('done_at', 'is', null)
    .execute()
}

function claim(db: Db, at: Date, kind: 'warn' | 'breach') {
  const [whenCol, markCol] =
    kind === 'warn' ? (['warn_at', 'warned_at'] as const) : (['due_at', 'breached_at'] as const)
  return db
    .updateTable('case_deadlines')
    .set({ [markCol]: at })
    .where(whenCol, '<=', at)
    .where(markCol, 'is', null)
    .where('done_at', 'is', null)
    .where('extended_by', 'is', null)
    .returning(['id', 'case_id', 'step', 'due_at'])
    .execute()
    .then((rows) =>
      rows.map((r) => ({ id: r.id, caseId: r.case_id, step: r.step, dueAt: r.due_at })),
    )
}

/** Deadlines past their warning point, marked so each is warned about once. */
export function claimWarnings(db: Db, at: Date): Promise<DueRow[]> {
  return claim(db, at, 'warn')
}

/** Deadlines past due, marked so each breach is reported once. */
export function claimBreaches(db: Db, at: Date): Promise<DueRow[]> {
  return claim(db, at, 'breach')
}

/**
 * Open cases created before `createdBefore` (the end of their working day has passed) that are
 * not on the manager meeting's agenda yet.
 */
export async function unresolvedForAgenda(db: Db, createdBefore: Date, limit = 500) {
  return db
    .selectFrom('cases')
    .select(['id', 'reference', 'created_at'])
    .where('status', 'in', ['open', 'in_progress', 'transferred'])
    .where('created_at', '<', createdBefore)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('case_events')
            .select('case_events.id')
            .whereRef('case_events.case_id', '=', 'cases.id')
            .where('case_events.type', '=', 'manager_agenda'),
        ),
      ),
    )
    .orderBy('created_at')
    .limit(limit)
    .execute()
}

export const openCount = (db: Db) =>
  db
    .selectFrom('case_deadlines')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('done_at', 'is', null)
    .executeTakeFirstOrThrow()
