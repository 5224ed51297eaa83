import type { Db } from '../db/database.ts'
import type { Period } from '../domain/periods.ts'

export interface Rejection {
  reference: string
  category: string | null
  firstOwner: string | null
  reason: string
  requestedBy: { jobNumber: string; name: string }
  approvedBy: { jobNumber: string; name: string }
  approvalNote: string | null
  declinedAt: Date
}

/** The rejection file for a period: cases declined in it, oldest first. */
export async function listRejections(db: Db, period: Period): Promise<Rejection[]> {
  const rows = await db
    .selectFrom('cases as k')
    .innerJoin('agents as r', 'r.id', 'k.declined_by')
    .innerJoin('agents as s', 's.id', 'k.decline_approved_by')
    .leftJoin('agents as o', 'o.id', 'k.first_owner_id')
    .leftJoin('categories as g', 'g.id', 'k.category_id')
    .leftJoin('decline_requests as d', (j) =>
      j.onRef('d.case_id', '=', 'k.id').on('d.outcome', '=', 'approved'),
    )
    .select([
      'k.reference',
      'g.code as category',
      'o.job_number as owner',
      'k.declined_reason',
      'k.declined_at',
      'r.job_number as requester',
      'r.name as requester_name',
      's.job_number as approver',
      's.name as approver_name',
      'd.decision_note',
    ])
    .where('k.status', '=', 'declined')
    .where('k.declined_at', '>=', period.from)
    .where('k.declined_at', '<', period.to)
    .orderBy('k.declined_at')
    .execute()
  return rows.map((r) => ({
    reference: r.reference,
    category: r.category,
    firstOwner: r.owner,
    reason: r.declined_reason ?? '',
    requestedBy: { jobNumber: r.requester, name: r.requester_name },
    approvedBy: { jobNumber: r.approver, name: r.approver_name },
    approvalNote: r.decision_note,
    declinedAt: r.declined_at ?? period.from,
  }))
}

/** Decline requests waiting for a supervisor's decision, oldest first. */
export async function listWaitingDeclines(db: Db) {
  const rows = await db
    .selectFrom('decline_requests as r')
    .innerJoin('cases as k', 'k.id', 'r.case_id')
    .innerJoin('agents as a', 'a.id', 'r.requested_by')
    .select(['k.reference', 'r.reason', 'r.requested_at', 'a.job_number', 'a.name'])
    .where('r.outcome', 'is', null)
    .orderBy('r.requested_at')
    .limit(200)
    .execute()
  return rows.map((r) => ({
    reference: r.reference,
    reason: r.reason,
    requestedAt: r.requested_at,
    requestedBy: { jobNumber: r.job_number, name: r.name },
  }))
}
