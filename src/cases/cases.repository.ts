import { CompiledQuery, sql } from 'kysely'

import type { Db } from '../db/database.ts'
import { literalList } from '../db/literals.ts'
import type { CaseSource, Referral } from '../db/schema.ts'
import { formatCaseReference, localDateOf } from '../domain/case-reference.ts'
import type { CaseStatus, Urgency } from '../domain/case-status.ts'
import { OPEN_CASE_STATUSES } from '../domain/case-status.ts'

export interface CaseSummary {
  id: string
  reference: string
  status: CaseStatus
  categoryId: number | null
  categoryCode: string | null
  categoryNameZh: string | null
  categoryNameEn: string | null
  /** The severity within the category (category_variants); null: the category's default. */
  variant: string | null
  /** Where it came from: a call, or a staff member's intake (walk_in, letter, …). */
  source: CaseSource
  urgency: Urgency
  firstOwnerId: number | null
  firstOwnerJobNumber: string | null
  assigneeAgentId: number | null
  /** The department working on it (a transfer or a department callback); never the owner. */
  assigneeDepartmentId: number | null
  assignedAt: Date | null
  /** When the department must have named a handler and answered the caller. */
  assigneeDueAt: Date | null
  /** Set when the matter was referred outside the organisation. */
  referral: Referral | null
  callerId: string | null
  place: string | null
  content: string | null
  contactName: string | null
  contactPhone: string | null
  needsReturnCall: boolean
  createdAt: Date
  firstOwnedAt: Date | null
  hotlineNumber: string | null
  resolutionSummary: string | null
  resolvedAt: Date | null
  reworkCount: number
  satisfaction: number | null
  closedAt: Date | null
  closedBy: 'caller' | 'supervisor_override' | null
}

/** Next reference for the deployment-local day; atomic under concurrent calls. */
export async function nextCaseReference(
  db: Db,
  opts: { prefix: string; at: Date; timeZone: string },
): Promise<string> {
  const day = localDateOf(opts.at, opts.timeZone)
  const row = await db
    .insertInto('case_reference_counters')
    .values({ day, last_value: 1 })
    .onConflict((oc) =>
      oc.column('day').doUpdateSet({ last_value: sql`case_reference_counters.last_value + 1` }),
    )
    .returning('last_value')
    .executeTakeFirstOrThrow()
  return formatCaseReference(opts.prefix, day, row.last_value)
}

export async function insertCase(
  db: Db,
  c: {
    reference: string
    hotlineNumber: string | null
    callerId: string | null
    categoryId: number | null
    urgency: Urgency
    at: Date
  },
): Promise<string> {
  const row = await db
    .insertInto('cases')
    .values({
      reference: c.reference,
      hotline_number: c.hotlineNumber,
      caller_id: c.callerId,
      category_id: c.categoryId,
      urgency: c.urgency,
      source: 'call',
      first_owner_id: null,
      first_owned_at: null,
      assignee_agent_id: null,
      assignee_department_id: null,
      place: null,
      content: null,
      contact_name: null,
      contact_phone: null,
      promised_reply_at: null,
      closed_at: null,
      created_at: c.at,
      updated_at: c.at,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return row.id
}

function summaryQuery(db: Db) {
  return db
    .selectFrom('cases')
    .leftJoin('categories', 'categories.id', 'cases.category_id')
    .leftJoin('agents as owner', 'owner.id', 'cases.first_owner_id')
    .select([
      'cases.id',
      'cases.reference',
      'cases.status',
      'cases.category_id',
      'categories.code as category_code',
      'categories.name_zh',
      'categories.name_en',
      'cases.variant',
      'cases.source',
      'cases.urgency',
      'cases.first_owner_id',
      'owner.job_number as owner_job_number',
      'cases.assignee_agent_id',
      'cases.assignee_department_id',
      'cases.assigned_at',
      'cases.assignee_due_at',
      'cases.referral',
      'cases.caller_id',
      'cases.place',
      'cases.content',
      'cases.contact_name',
      'cases.contact_phone',
      'cases.needs_return_call',
      'cases.created_at',
      'cases.first_owned_at',
      'cases.hotline_number',
      'cases.resolution_summary',
      'cases.resolved_at',
      'cases.rework_count',
      'cases.satisfaction',
      'cases.closed_at',
      'cases.closed_by',
    ])
}

type SummaryRow = Awaited<ReturnType<ReturnType<typeof summaryQuery>['executeTakeFirstOrThrow']>>

function toSummary(r: SummaryRow): CaseSummary {
  return {
    id: r.id,
    reference: r.reference,
    status: r.status,
    categoryId: r.category_id,
    categoryCode: r.category_code,
    categoryNameZh: r.name_zh,
    categoryNameEn: r.name_en,
    variant: r.variant,
    source: r.source,
    urgency: r.urgency,
    firstOwnerId: r.first_owner_id,
    firstOwnerJobNumber: r.owner_job_number,
    assigneeAgentId: r.assignee_agent_id,
    assigneeDepartmentId: r.assignee_department_id,
    assignedAt: r.assigned_at,
    assigneeDueAt: r.assignee_due_at,
    referral: r.referral,
    callerId: r.caller_id,
    place: r.place,
    content: r.content,
    contactName: r.contact_name,
    contactPhone: r.contact_phone,
    needsReturnCall: r.needs_return_call,
    createdAt: r.created_at,
    firstOwnedAt: r.first_owned_at,
    hotlineNumber: r.hotline_number,
    resolutionSummary: r.resolution_summary,
    resolvedAt: r.resolved_at,
    reworkCount: r.rework_count,
    satisfaction: r.satisfaction,
    closedAt: r.closed_at,
    closedBy: r.closed_by,
  }
}

// The summary's select list and joins, compiled once: the reads of a call's case on every
// agent's answer and accept add only their conditions (building its 30 columns each time was
// a visible share of a web instance's CPU).
let summarySelect: string | undefined
function summaryWhere(db: Db, where: string, params: unknown[], orderBy = '') {
  summarySelect ??= summaryQuery(db).compile().sql
  const text = `${summarySelect} where ${where}${orderBy && ` order by ${orderBy}`}`
  return db.executeQuery<SummaryRow>(CompiledQuery.raw(text, params))
}
const OPEN_STATUS_LIST = OPEN_CASE_STATUSES.map((x) => `'${x}'`).join(', ')
// In the text, not as values: the caller's and the owner's open cases are partial indexes
// (`where status not in (…closed…)`), which a generic plan can use only so (src/db/literals.ts).
const OPEN_STATUS_LITERALS = literalList(OPEN_CASE_STATUSES)

export async function findCaseById(db: Db, id: string): Promise<CaseSummary | undefined> {
  const r = await summaryWhere(db, '"cases"."id" = $1', [id])
  const row = r.rows[0]
  return row && toSummary(row)
}

export async function findCaseByReference(db: Db, ref: string): Promise<CaseSummary | undefined> {
  const r = await summaryQuery(db).where('cases.reference', '=', ref).executeTakeFirst()
  return r && toSummary(r)
}

export async function findOpenCasesOfCaller(db: Db, callerId: string): Promise<CaseSummary[]> {
  const rows = await summaryQuery(db)
    .where('cases.caller_id', '=', callerId)
    .where('cases.status', 'in', OPEN_STATUS_LITERALS)
    .orderBy('cases.created_at', 'desc')
    .execute()
  return rows.map(toSummary)
}

/**
 * A case and its caller's open cases (newest first), in one round trip: what an agent hears at
 * the whisper. The case itself comes back even when it is no longer open.
 */
export async function findCaseWithCallersOpenCases(
  db: Db,
  caseId: string,
  callerId: string | null,
): Promise<{ kase: CaseSummary | undefined; open: CaseSummary[] }> {
  const { rows } =
    callerId === null
      ? await summaryWhere(db, '"cases"."id" = $1', [caseId])
      : await summaryWhere(
          db,
          `"cases"."id" = $1 or ("cases"."caller_id" = $2 and "cases"."status" in (${OPEN_STATUS_LIST}))`,
          [caseId, callerId],
          '"cases"."created_at" desc',
        )
  const all = rows.map(toSummary)
  return {
    kase: all.find((c) => c.id === caseId),
    open: all.filter(
      (c) =>
        c.callerId === callerId && (OPEN_CASE_STATUSES as readonly string[]).includes(c.status),
    ),
  }
}

export async function listCasesOwnedBy(db: Db, agentId: number): Promise<CaseSummary[]> {
  const rows = await summaryQuery(db)
    .where('cases.first_owner_id', '=', agentId)
    .where('cases.status', 'in', OPEN_STATUS_LITERALS)
    .orderBy('cases.created_at')
    .execute()
  return rows.map(toSummary)
}

/**
 * Sets the first owner if, and only if, the case has none. Returns false when somebody else got
 * there first; the row lock makes two same-millisecond claims serialize.
 */
export async function claimFirstOwner(
  db: Db,
  caseId: string,
  agentId: number,
  at: Date,
): Promise<boolean> {
  const r = await db
    .updateTable('cases')
    .set({
      first_owner_id: agentId,
      first_owned_at: at,
      assignee_agent_id: agentId,
      // Answering is the dispatch: the category from here on is what the classification
      // rate compares against.
      dispatched_category_id: sql<number | null>`category_id`,
      updated_at: at,
    })
    .where('id', '=', caseId)
    .where('first_owner_id', 'is', null)
    .executeTakeFirst()
  return r.numUpdatedRows === 1n
}

export async function markNeedsReturnCall(db: Db, caseId: string, at: Date): Promise<void> {
  await db
    .updateTable('cases')
    .set({ needs_return_call: true, updated_at: at })
    .where('id', '=', caseId)
    .execute()
}

export async function updateCaseRecord(
  db: Db,
  caseId: string,
  fields: Partial<{
    place: string | null
    content: string | null
    contact_name: string | null
    contact_phone: string | null
    category_id: number | null
    urgency: Urgency
    variant: string | null
  }>,
  at: Date,
): Promise<void> {
  await db
    .updateTable('cases')
    .set({ ...fields, updated_at: at })
    .where('id', '=', caseId)
    .execute()
}

/** The category an agent recorded first (识别率): set by the first save that has one, once. */
export async function recordFirstCategory(db: Db, caseId: string, categoryId: number) {
  await db
    .updateTable('cases')
    .set({ first_recorded_category_id: categoryId })
    .where('id', '=', caseId)
    .where('first_recorded_category_id', 'is', null)
    .execute()
}
