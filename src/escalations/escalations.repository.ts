import type { Db } from '../db/database.ts'
import { ENDED_CASE_STATUSES } from '../domain/ended-case.ts'

export interface Escalation {
  id: string
  caseId: string
  reference: string
  question: string
  askedBy: string
  askedAt: Date
  dueAt: Date
  answer: string | null
  answeredBy: string | null
  answeredAt: Date | null
  managerNotifiedAt: Date | null
}

function select(db: Db) {
  return db
    .selectFrom('escalations as e')
    .innerJoin('cases as k', 'k.id', 'e.case_id')
    .innerJoin('agents as a', 'a.id', 'e.asked_by')
    .leftJoin('agents as s', 's.id', 'e.answered_by')
    .select([
      'e.id',
      'e.case_id',
      'k.reference',
      'e.question',
      'a.job_number as asked_by',
      'e.asked_at',
      'e.due_at',
      'e.answer',
      's.job_number as answered_by',
      'e.answered_at',
      'e.manager_notified_at',
    ])
}

type Row = Awaited<ReturnType<ReturnType<typeof select>['executeTakeFirstOrThrow']>>

const toEscalation = (r: Row): Escalation => ({
  id: r.id,
  caseId: r.case_id,
  reference: r.reference,
  question: r.question,
  askedBy: r.asked_by,
  askedAt: r.asked_at,
  dueAt: r.due_at,
  answer: r.answer,
  answeredBy: r.answered_by,
  answeredAt: r.answered_at,
  managerNotifiedAt: r.manager_notified_at,
})

export async function findEscalation(db: Db, id: string): Promise<Escalation | undefined> {
  const r = await select(db).where('e.id', '=', id).executeTakeFirst()
  return r && toEscalation(r)
}

/** A case's questions and answers, oldest first: what the owner reads. */
export async function listEscalationsOfCase(db: Db, caseId: string): Promise<Escalation[]> {
  const rows = await select(db).where('e.case_id', '=', caseId).orderBy('e.asked_at').execute()
  return rows.map(toEscalation)
}

/** Questions still waiting for a supervisor, on cases still open: the supervisor board's list. */
export async function listWaitingEscalations(db: Db): Promise<Escalation[]> {
  const rows = await select(db)
    .where('e.answered_at', 'is', null)
    .where('k.status', 'not in', [...ENDED_CASE_STATUSES])
    .orderBy('e.due_at')
    .limit(100)
    .execute()
  return rows.map(toEscalation)
}

/**
 * Unanswered questions past due on open cases, marked so the manager hears of each once even
 * with several instances sweeping at the same moment.
 */
export async function claimUnanswered(
  db: Db,
  at: Date,
): Promise<{ id: string; caseId: string; dueAt: Date }[]> {
  const rows = await db
    .updateTable('escalations as e')
    .set({ manager_notified_at: at })
    .from('cases as k')
    .whereRef('k.id', '=', 'e.case_id')
    .where('e.answered_at', 'is', null)
    .where('e.manager_notified_at', 'is', null)
    .where('e.due_at', '<=', at)
    .where('k.status', 'not in', [...ENDED_CASE_STATUSES])
    .returning(['e.id', 'e.case_id', 'e.due_at'])
    .execute()
  return rows.map((r) => ({ id: r.id, caseId: r.case_id, dueAt: r.due_at }))
}
