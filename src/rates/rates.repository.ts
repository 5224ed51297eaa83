import type { RawBuilder } from 'kysely'
import { sql } from 'kysely'

import type { Db } from '../db/database.ts'
import { reportStatement } from '../db/report-statement.ts'
import type { RateName } from '../domain/rate-targets.ts'

/**
 * The six rates as counts, one aggregate query per source table, grouped in Postgres. Every
 * query starts from a range on an indexed timestamp (see the rate_indexes migration), so a month
 * reads that month's rows and nothing else; no query walks cases one by one.
 */

export type RateDimension = 'agent' | 'department' | 'category' | 'all'
export const RATE_DIMENSIONS = ['agent', 'department', 'category', 'all'] as const

export type { RateName } from '../domain/rate-targets.ts'

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
  /** Clocks still open and due after this instant are not due yet: they count nowhere. */
  now: Date
}

// The case column a dimension groups by: the first owner, the department the case went to
// (null = never transferred), the category as it is now. Clocks and return-call attempts carry
// a copy of the three, kept equal to the case's by triggers (migrations 007400 and 008700), so
// 及时率 and 满意率 join nothing.
const GROUP_COLUMN = {
  agent: 'c.first_owner_id',
  department: 'c.assignee_department_id',
  category: 'c.category_id',
} as const
const CLOCK_GROUP_COLUMN = {
  agent: 'd.case_first_owner_id',
  department: 'd.case_assignee_department_id',
  category: 'd.case_category_id',
} as const

const ATTEMPT_GROUP_COLUMN = {
  agent: 'a.case_first_owner_id',
  department: 'a.case_assignee_department_id',
  category: 'a.case_category_id',
} as const

function groupOf(
  by: RateDimension,
  columns: Record<Exclude<RateDimension, 'all'>, string> = GROUP_COLUMN,
): RawBuilder<number | null> {
  return by === 'all' ? sql<null>`null::int` : sql<number | null>`${sql.ref(columns[by])}`
}

// The statement over the closed cases reads a month from cases_closed_rate_idx, which holds
// every column it counts or groups by (migration 008300): no case row is fetched. The one join
// left is 信息准确率's, from a month's sample (a few hundred cases) to the cases.

type Row = { group_id: number | null; num: string; den: string }

function toCounts(rows: Row[], name: RateName): RateCounts[] {
  return rows.map((r) => ({
    groupId: r.group_id,
    counts: { [name]: { numerator: Number(r.num), denominator: Number(r.den) } },
  }))
}

/**
 * 及时率: each clock once, in the period of its original due time (before any approved
 * extension moved it). Met or missed as the clock ended by the accountability rules (an approved
 * extension judged against its new time); a clock still open and past due by `now` is missed;
 * one still open and not yet due counts nowhere; cancelled clocks (the case ended before they
 * were due) judge nobody.
 */
export async function timelinessCounts(
  db: Db,
  w: RateWindow,
  by: RateDimension,
): Promise<RateCounts[]> {
  // The same expression as the index case_deadlines_rate_groups_idx, so a period is a range on
  // it, and every column read is in the index, original_due_at included (Postgres reads an
  // index alone only if it holds each column named, even one named inside the expression): a
  // month is read from the index alone (migration 008600).
  const countedAt = sql<Date>`coalesce(d.original_due_at, d.due_at)`
  const rows = await reportStatement(db, (trx) =>
    trx
      .selectFrom('case_deadlines as d')
      .select([
        groupOf(by, CLOCK_GROUP_COLUMN).as('group_id'),
        sql<string>`count(*) filter (where d.outcome = 'met')`.as('num'),
        sql<string>`count(*)`.as('den'),
      ])
      .where(countedAt, '>=', w.from)
      .where(countedAt, '<', w.to)
      .where('d.outcome', '!=', 'cancelled')
      .where((eb) => eb.or([eb('d.outcome', 'in', ['met', 'missed']), eb('d.due_at', '<', w.now)]))
      .groupBy(sql`1`)
      .execute(),
  )
  return toCounts(rows, 'timeliness')
}

/**
 * 满意率: every return call answered in the window with a verdict. "1" rated 4-5, or "1" with
 * no rating (satisfied on the caller's own word "solved"), is satisfied; "1" rated 1-3 and "2"
 * (not solved) are not. SMS replies are not calls and are not asked to rate: outside.
 */
export async function satisfactionCounts(
  db: Db,
  w: RateWindow,
  by: RateDimension,
): Promise<RateCounts[]> {
  const rows = await reportStatement(db, (trx) =>
    trx
      // Each attempt carries its case's group columns (migration 008700), and the verdict
      // index holds them: a month is read from that index alone, joining nothing.
      .selectFrom('callback_attempts as a')
      .select([
        groupOf(by, ATTEMPT_GROUP_COLUMN).as('group_id'),
        sql<string>`count(*) filter (where a.outcome = 'confirmed' and (a.rating is null or a.rating >= 4))`.as(
          'num',
        ),
        sql<string>`count(*)`.as('den'),
      ])
      .where('a.outcome', 'in', ['confirmed', 'rework'])
      .where('a.answered_at', 'is not', null)
      .where('a.answered_at', '>=', w.from)
      .where('a.answered_at', '<', w.to)
      .groupBy(sql`1`)
      .execute(),
  )
  return toCounts(rows, 'satisfaction')
}

/** How the cases closed in a window were closed: the 回访率 split. */
export interface ClosureCounts {
  groupId: number | null
  closed: number
  /** The caller's "1" on a spoken return call: the 回访率 numerator. */
  returnCall: number
  /** The caller's "1" by SMS, after the return calls ran out: shown apart, not a return call. */
  smsReply: number
  /** A supervisor's recorded override: no caller's word at all. */
  override: number
}

/**
 * 回访率, 合格率 and 识别率 over the cases closed in the window, in one pass over the month's
 * closed cases (cases_closed_rate_idx holds every column counted; one statement rather than
 * two halves the reading).
 *
 * - 回访率 counts the cases closed by the caller on a spoken return call; an SMS "1" is the
 *   caller's word too but not a return call, so it is counted apart (smsReply).
 * - 合格率 counts the cases the caller accepted (by call or SMS) without any rework before.
 * - 识别率 (the comparison is made at closure): right when the category at closure is the one
 *   an agent recorded at the first save of the record. Cases no agent ever classified are left
 *   out, whatever the IVR key said.
 */
export async function closedCaseCounts(
  db: Db,
  w: RateWindow,
  by: RateDimension,
): Promise<{ counts: RateCounts[]; closures: ClosureCounts[] }> {
  const classified = sql`c.first_recorded_category_id is not null`
  const rows = await reportStatement(db, (trx) =>
    trx
      .selectFrom('cases as c')
      .select([
        groupOf(by).as('group_id'),
        // closed_via is null only for cases closed by a caller before it existed: a call then.
        sql<string>`count(*) filter (where c.closed_by = 'caller' and c.closed_via is distinct from 'sms')`.as(
          'returned',
        ),
        sql<string>`count(*) filter (where c.closed_by = 'caller' and c.closed_via = 'sms')`.as(
          'sms',
        ),
        sql<string>`count(*) filter (where c.closed_by = 'caller' and c.rework_count = 0)`.as(
          'passed',
        ),
        sql<string>`count(*)`.as('den'),
        sql<string>`count(*) filter (where ${classified}
          and c.category_id is not distinct from c.first_recorded_category_id)`.as('right'),
        sql<string>`count(*) filter (where ${classified})`.as('classified'),
      ])
      .where('c.closed_at', '>=', w.from)
      .where('c.closed_at', '<', w.to)
      .where('c.status', '=', 'closed')
      .groupBy(sql`1`)
      .execute(),
  )
  return {
    counts: rows.map((r) => ({
      groupId: r.group_id,
      counts: {
        returnCall: { numerator: Number(r.returned), denominator: Number(r.den) },
        pass: { numerator: Number(r.passed), denominator: Number(r.den) },
        classification: { numerator: Number(r.right), denominator: Number(r.classified) },
      },
    })),
    closures: rows.map((r) => ({
      groupId: r.group_id,
      closed: Number(r.den),
      returnCall: Number(r.returned),
      smsReply: Number(r.sms),
      override: Number(r.den) - Number(r.returned) - Number(r.sms),
    })),
  }
}

/**
 * 信息准确率 over the quality sample of the cases closed in the window (the sample is drawn
 * from a month's closed cases, so a monthly period is exactly that month's sample): right when
 * the caller said the recorded details were correct, of the samples where they were asked.
 */
export async function informationAccuracyCounts(
  db: Db,
  w: RateWindow,
  by: RateDimension,
): Promise<RateCounts[]> {
  const rows = await reportStatement(db, (trx) =>
    trx
      .selectFrom('cases as c')
      .innerJoin('quality_samples as q', 'q.case_id', 'c.id')
      .select([
        groupOf(by).as('group_id'),
        sql<string>`count(*) filter (where q.details_correct)`.as('num'),
        sql<string>`count(*)`.as('den'),
      ])
      .where('c.closed_at', '>=', w.from)
      .where('c.closed_at', '<', w.to)
      .where('c.status', '=', 'closed')
      .where('q.details_correct', 'is not', null)
      .groupBy(sql`1`)
      .execute(),
  )
  return toCounts(rows, 'informationAccuracy')
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
