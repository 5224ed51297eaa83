import type { Db } from '../db/database.ts'
import type { LimitStepName } from '../db/schema.ts'

export interface ExtensionRequest {
  id: string
  caseId: string
  reference: string
  step: LimitStepName
  round: number
  department: string | null
  /** The clock's due time when the request was read: the original until one is approved. */
  currentDueAt: Date
  newDueAt: Date
  reason: string
  requestedBy: string
  requestedAt: Date
  decision: 'approved' | 'refused' | null
  decidedBy: string | null
  decidedAt: Date | null
  note: string | null
}

function select(db: Db) {
  return db
    .selectFrom('extension_requests as x')
    .innerJoin('cases as k', 'k.id', 'x.case_id')
    .innerJoin('case_deadlines as d', 'd.id', 'x.deadline_id')
    .leftJoin('departments as dep', 'dep.id', 'd.department_id')
    .innerJoin('agents as a', 'a.id', 'x.requested_by')
    .leftJoin('agents as m', 'm.id', 'x.decided_by')
    .select([
      'x.id',
      'x.case_id',
      'k.reference',
      'x.step',
      'd.round',
      'dep.code as department',
      'd.due_at',
      'x.new_due_at',
      'x.reason',
      'a.job_number as requested_by',
      'x.requested_at',
      'x.decision',
      'm.job_number as decided_by',
      'x.decided_at',
      'x.note',
    ])
}

type Row = Awaited<ReturnType<ReturnType<typeof select>['executeTakeFirstOrThrow']>>

const toRequest = (r: Row): ExtensionRequest => ({
  id: r.id,
  caseId: r.case_id,
  reference: r.reference,
  step: r.step,
  round: r.round,
  department: r.department,
  currentDueAt: r.due_at,
  newDueAt: r.new_due_at,
  reason: r.reason,
  requestedBy: r.requested_by,
  requestedAt: r.requested_at,
  decision: r.decision,
  decidedBy: r.decided_by,
  decidedAt: r.decided_at,
  note: r.note,
})

export async function findExtensionRequest(
  db: Db,
  id: string,
): Promise<ExtensionRequest | undefined> {
  const r = await select(db).where('x.id', '=', id).executeTakeFirst()
  return r && toRequest(r)
}

/** Requests no manager has decided yet, oldest first: the managers' list. */
export async function listWaitingExtensionRequests(db: Db): Promise<ExtensionRequest[]> {
  const rows = await select(db)
    .where('x.decision', 'is', null)
    .orderBy('x.requested_at')
    .limit(100)
    .execute()
  return rows.map(toRequest)
}
