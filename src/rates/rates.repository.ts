import type { RawBuilder } from 'kysely'
import { sql } from 'kysely'

import type { Db } from '../db/database.ts'

/**
 * The five rates as counts, one aggregate query per source table, grouped in Postgres. Every
 * query starts from a range on an indexed timestamp (see the rate_indexes migration), so a month
 * reads that month's rows and nothing else; no query walks cases one by one.
 */

export type RateDimension = 'agent' | 'department' | 'category' | 'all'
export const RATE_DIMENSIONS = ['agent', 'department', 'category', 'all'] as const

export type RateName = 'timeliness' | 'satisfaction' | 'returnCall' | 'pass' | 'classification'

/** Counts for one group: numerator and denominator of each rate. */
export interface RateCounts {
  /** The agent, department or category id; null for "none" (and for the 'all' group). */
  groupId: number | null
  counts: Partial<Record<RateName, { numerator: number; denominator: number }>>
}

export interface RateWindow {
  /** Inclusive. */
  from: Date
  /** Exclusive. */
  to: Date
  /** Steps due after this instant and not done yet are not due: they count nowhere. */
  now: Date
}

// The case column a dimension groups by: the first owner, the department the case went to
// (null = never transferred), the category as it is now.
const GROUP_COLUMN = {
  agent: 'c.first_owner_id',
  department: 'c.assignee_department_id',
  category: 'c.category_id',
} as const

function groupOf(by: RateDimension): RawBuilder<number | null> {
  return by === 'all' ? sql<null>`null::int` : sql<number | null>`${sql.ref(GROUP_COLUMN[by])}`
}

// Joins to cases are LEFT joins on purpose: every row has its case (foreign keys), so the counts
// are the same, and for 'all', where no case column is read, Postgres drops the join altogether.
// For the other dimensions the join reads only the case's group columns, which the covering index
// cases_rate_groups_idx holds (rate_indexes migration): an index-only scan, however wide the
// case rows are.

type Row = { group_id: number | null; num: string; den: string }

function toCounts(rows: Row[], name: RateName): RateCounts[] {
  return rows.map((r) => ({
    groupId: r.group_id,
    counts: { [name]: { numerator: Number(r.num), denominator: Number(r.den) } },
  }))
}

/**
 * 及时率: steps due or done in the window; on time when done by the due time. A manager's
 * approved extension has moved that due time (the first is kept in original_due_at), so a step
 * is judged against the extended time when there is one and against its own otherwise. Steps
 * still open and not yet due are left out, and so are clocks cancelled by the case ending
 * before they were due.
 */
export async function timelinessCounts(
  db: Db,
  w: RateWindow,
  by: RateDimension,
): Promise<RateCounts[]> {
  const rows = await db
    .selectFrom('case_deadlines as d')
    .leftJoin('cases as c', 'c.id', 'd.case_id')
    .select([
      groupOf(by).as('group_id'),
      sql<string>`count(*) filter (where d.done_at is not null and d.done_at <= d.due_at)`.as(
        'num',
      ),
      sql<string>`count(*)`.as('den'),
    ])
    .where((eb) =>
      eb.or([
        eb.and([eb('d.due_at', '>=', w.from), eb('d.due_at', '<', w.to)]),
        eb.and([eb('d.done_at', '>=', w.from), eb('d.done_at', '<', w.to)]),
      ]),
    )
    .where((eb) => eb.or([eb('d.done_at', 'is not', null), eb('d.due_at', '<=', w.now)]))
    // A clock cancelled because the case ended before it was due judges nobody.
    .where('d.outcome', '!=', 'cancelled')
    .groupBy(sql`1`)
    .execute()
  return toCounts(rows, 'timeliness')
}

/** 满意率: confirmed return calls with a rating, answered in the window; satisfied = 4 or 5. */
export async function satisfactionCounts(
  db: Db,
  w: RateWindow,
  by: RateDimension,
): Promise<RateCounts[]> {
  const rows = await db
    .selectFrom('callback_attempts as a')
    .leftJoin('callbacks as cb', 'cb.id', 'a.callback_id')
    .leftJoin('cases as c', 'c.id', 'cb.case_id')
    .select([
      groupOf(by).as('group_id'),
      sql<string>`count(*) filter (where a.rating >= 4)`.as('num'),
      sql<string>`count(*)`.as('den'),
    ])
    .where('a.outcome', '=', 'confirmed')
    .where('a.rating', 'is not', null)
    .where('a.answered_at', '>=', w.from)
    .where('a.answered_at', '<', w.to)
    .groupBy(sql`1`)
    .execute()
  return toCounts(rows, 'satisfaction')
}

/**
 * 回访率 and 合格率 over the cases closed in the window. A completed return call is the caller's
 * own confirmation; a supervisor's override after the retries ran out is not one. Passing means
 * the caller accepted the work without any rework before it.
 */
export async function closedCaseCounts(
  db: Db,
  w: RateWindow,
  by: RateDimension,
): Promise<RateCounts[]> {
  const rows = await db
    .selectFrom('cases as c')
    .select([
      groupOf(by).as('group_id'),
      sql<string>`count(*) filter (where c.closed_by = 'caller')`.as('returned'),
      sql<string>`count(*) filter (where c.closed_by = 'caller' and c.rework_count = 0)`.as(
        'passed',
      ),
      sql<string>`count(*)`.as('den'),
    ])
    .where('c.closed_at', '>=', w.from)
    .where('c.closed_at', '<', w.to)
    .where('c.status', '=', 'closed')
    .groupBy(sql`1`)
    .execute()
  return rows.map((r) => ({
    groupId: r.group_id,
    counts: {
      returnCall: { numerator: Number(r.returned), denominator: Number(r.den) },
      pass: { numerator: Number(r.passed), denominator: Number(r.den) },
    },
  }))
}

/**
 * 识别率 over the cases created in the window that were dispatched (answered by a first owner):
 * right when the category now is the one they were dispatched with (both empty counts as right).
 */
export async function classificationCounts(
  db: Db,
  w: RateWindow,
  by: RateDimension,
): Promise<RateCounts[]> {
  const rows = await db
    .selectFrom('cases as c')
    .select([
      groupOf(by).as('group_id'),
      sql<string>`count(*) filter (where c.category_id is not distinct from c.dispatched_category_id)`.as(
        'num',
      ),
      sql<string>`count(*)`.as('den'),
    ])
    .where('c.created_at', '>=', w.from)
    .where('c.created_at', '<', w.to)
    .where((eb) =>
      eb.or([
        eb('c.dispatched_category_id', 'is not', null),
        eb('c.first_owner_id', 'is not', null),
      ]),
    )
    .groupBy(sql`1`)
    .execute()
  return toCounts(rows, 'classification')
}

/** Names for the groups of a dimension, by id: job number and name, department, category. */
export async function groupLabels(
  db: Db,
  by: RateDimension,
): Promise<Map<number, { code: string; name: string }>> {
  const rows =
    by === 'agent'
      ? await db.selectFrom('agents').select(['id', 'job_number as code', 'name']).execute()
      : by === 'department'
        ? await db.selectFrom('departments').select(['id', 'code', 'name']).execute()
        : by === 'category'
          ? await db
              .selectFrom('categories')
              .select(['id', 'code', sql<string>`name_zh || ' ' || name_en`.as('name')])
              .execute()
          : []
  return new Map(rows.map((r) => [r.id, { code: r.code, name: r.name }]))
}
