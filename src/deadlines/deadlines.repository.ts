import type { ExpressionBuilder } from 'kysely'
import { sql } from 'kysely'

import type { Db } from '../db/database.ts'
import type { Database, LimitStepName } from '../db/schema.ts'
import { OPEN_CASE_STATUSES } from '../domain/case-status.ts'

export interface DueRow {
  id: string
  caseId: string
  step: LimitStepName
  dueAt: Date
  round: number
  departmentId: number | null
}

export interface NewClock {
  caseId: string
  step: LimitStepName
  startedAt: Date
  dueAt: Date
  warnAt: Date
  round?: number
  departmentId?: number | null
}

/**
 * One clock per case, step, round and department; starting it again (a retried webhook, the
 * same department assigned twice) changes nothing.
 */
export async function openDeadline(db: Db, d: NewClock): Promise<void> {
  await openDeadlines(db, [d])
}

/** Several clocks in one statement (a new case starts three): one round trip, not one each. */
export async function openDeadlines(db: Db, clocks: readonly NewClock[]): Promise<void> {
  if (clocks.length === 0) return
  await db
    .insertInto('case_deadlines')
    .values(
      clocks.map((d) => ({
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
        round: d.round ?? 1,
        department_id: d.departmentId ?? null,
      })),
    )
    .onConflict((oc) =>
      oc.expression(sql`case_id, step, round, coalesce(department_id, 0)`).doNothing(),
    )
    .execute()
}

/**
 * The step is done: its open clocks (every round and department, unless one department is
 * named) end met if done by their due time, missed if late. Only an open clock ends, so the
 * first completion counts and a repeat changes nothing.
 */
export async function completeDeadline(
  db: Db,
  caseId: string,
  step: LimitStepName,
  at: Date,
  departmentId?: number,
): Promise<number> {
  let q = db
    .updateTable('case_deadlines')
    .set(doneAt(at))
    .where('case_id', '=', caseId)
    .where('step', '=', step)
    .where('outcome', '=', 'open')
  if (departmentId !== undefined) q = q.where('department_id', '=', departmentId)
  const r = await q.executeTakeFirst()
  return Number(r.numUpdatedRows)
}

/**
 * The case ended (closed, declined, referred): every clock still open ends with it, in the
 * caller's transaction. One not yet due is cancelled; one already past due was missed.
 */
export async function endCaseClocks(db: Db, caseId: string, at: Date): Promise<void> {
  await db
    .updateTable('case_deadlines')
    .set((eb) => ({
      ended_at: at,
      outcome: eb
        .case()
        .when('due_at', '>', at)
        .then('cancelled' as const)
        .else('missed' as const)
        .end(),
    }))
    .where('case_id', '=', caseId)
    .where('outcome', '=', 'open')
    .execute()
}

function claim(db: Db, at: Date, kind: 'warn' | 'breach') {
  const [whenCol, markCol] =
    kind === 'warn' ? (['warn_at', 'warned_at'] as const) : (['due_at', 'breached_at'] as const)
  return (
    db
      .updateTable('case_deadlines')
      .set({ [markCol]: at })
      .where(whenCol, '<=', at)
      .where(markCol, 'is', null)
      .where('outcome', '=', 'open')
      // Belt and braces: ending a case ends its clocks, but a case that has ended warns nobody.
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('cases')
            .select('cases.id')
            .whereRef('cases.id', '=', 'case_deadlines.case_id')
            .where('cases.status', 'in', [...OPEN_CASE_STATUSES]),
        ),
      )
      .returning(['id', 'case_id', 'step', 'due_at', 'round', 'department_id'])
      .execute()
      .then((rows) =>
        rows.map((r) => ({
          id: r.id,
          caseId: r.case_id,
          step: r.step,
          dueAt: r.due_at,
          round: r.round,
          departmentId: r.department_id,
        })),
      )
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
    .where('outcome', '=', 'open')
    .executeTakeFirstOrThrow()

/** One clock, by id, done at `at` (an answered escalation): met or missed like any step. */
export async function completeDeadlineById(db: Db, id: string, at: Date): Promise<void> {
  await db
    .updateTable('case_deadlines')
    .set(doneAt(at))
    .where('id', '=', id)
    .where('outcome', '=', 'open')
    .execute()
}

/** Done at `at`: met when by its due time (an approved extension's included), missed if later. */
function doneAt(at: Date) {
  return (eb: ExpressionBuilder<Database, 'case_deadlines'>) => ({
    done_at: at,
    ended_at: at,
    outcome: eb
      .case()
      .when('due_at', '>=', at)
      .then('met' as const)
      .else('missed' as const)
      .end(),
  })
}
