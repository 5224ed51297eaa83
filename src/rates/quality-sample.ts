import { sql } from 'kysely'

import type { Db } from '../db/database.ts'
import type { Period } from '../domain/periods.ts'
import { monthStartDate, parsePeriod } from '../domain/periods.ts'
import { AppError, NotFoundError } from '../errors.ts'

/**
 * The monthly quality sample (003): a supervisor's own return call on at least 10 % of the cases
 * closed that month, per category, chosen at random. Drawing again tops a category up to its
 * share (cases closed since) and otherwise adds nothing: (month, case_id) is unique.
 */

export const QUALITY_SAMPLE_PERCENT = 10
export const QUALITY_SATISFACTION_TARGET = 0.95

/** How many of `closed` cases the sample needs: 10 %, rounded up (1 of 3, 2 of 11). */
export function requiredSampleSize(closed: number): number {
  // Whole numbers first, so no floating-point residue of 0.1 sits under the ceiling.
  return Math.ceil((closed * QUALITY_SAMPLE_PERCENT) / 100)
}

/** `count` items chosen uniformly at random (a partial Fisher–Yates shuffle driven by `random`). */
export function pickAtRandom<T>(items: readonly T[], count: number, random: () => number): T[] {
  const pool = [...items]
  const n = Math.min(count, pool.length)
  for (let i = 0; i < n; i++) {
    const j = Math.min(pool.length - 1, i + Math.floor(random() * (pool.length - i)))
    ;[pool[i], pool[j]] = [pool[j] as T, pool[i] as T]
  }
  return pool.slice(0, n)
}

export function monthPeriod(month: string, timeZone: string): Period {
  const period = parsePeriod(month, timeZone)
  if (period.kind !== 'month') {
    throw new RangeError(
      `the quality sample is monthly: month must look like 2026-11, got ${month}`,
    )
  }
  return period
}

export interface DrawResult {
  month: string
  added: number
  categories: { categoryId: number | null; closed: number; required: number; drawn: number }[]
}

/** Draws (or tops up) the month's sample; safe to run twice and from two places at once. */
export async function drawQualitySample(
  db: Db,
  opts: { month: string; timeZone: string; random: () => number; supervisorId: number | null },
): Promise<DrawResult> {
  const period = monthPeriod(opts.month, opts.timeZone)
  const month = monthStartDate(period)
  return db.transaction().execute(async (trx) => {
    // Two supervisors pressing "draw" together would each top up the same shortfall.
    await sql`select pg_advisory_xact_lock(hashtext(${`quality-sample:${month}`}))`.execute(trx)
    const closed = await trx
      .selectFrom('cases as c')
      .leftJoin('quality_samples as q', (j) =>
        j.onRef('q.case_id', '=', 'c.id').on('q.month', '=', month),
      )
      .select(['c.id', 'c.category_id', sql<boolean>`q.id is not null`.as('sampled')])
      .where('c.closed_at', '>=', period.from)
      .where('c.closed_at', '<', period.to)
      .where('c.status', '=', 'closed')
      .orderBy('c.category_id')
      .orderBy('c.id')
      .execute()
    const byCategory = new Map<number | null, { ids: string[]; sampled: number }>()
    for (const r of closed) {
      const g = byCategory.get(r.category_id) ?? { ids: [], sampled: 0 }
      if (r.sampled) g.sampled++
      else g.ids.push(r.id)
      byCategory.set(r.category_id, g)
    }
    const result: DrawResult = { month: period.label, added: 0, categories: [] }
    const rows: { month: string; case_id: string; category_id: number | null }[] = []
    for (const [categoryId, g] of byCategory) {
      const required = requiredSampleSize(g.ids.length + g.sampled)
      const picked = pickAtRandom(g.ids, Math.max(0, required - g.sampled), opts.random)
      for (const id of picked) rows.push({ month, case_id: id, category_id: categoryId })
      result.categories.push({
        categoryId,
        closed: g.ids.length + g.sampled,
        required,
        drawn: g.sampled + picked.length,
      })
    }
    // 4 parameters a row: stay well under Postgres's 65,535 per statement.
    for (let i = 0; i < rows.length; i += 5000) {
      const r = await trx
        .insertInto('quality_samples')
        .values(
          rows.slice(i, i + 5000).map((row) => ({ ...row, supervisor_id: opts.supervisorId })),
        )
        .onConflict((oc) => oc.columns(['month', 'case_id']).doNothing())
        .executeTakeFirst()
      result.added += Number(r.numInsertedOrUpdatedRows ?? 0n)
    }
    return result
  })
}

/**
 * 信息准确率: the fields of the case's record the caller is asked to confirm on the sample
 * call, in the words of the API (the record's place, content, contact, category, …).
 */
export const QUALITY_DETAIL_FIELDS = [
  'contactName',
  'contactPhone',
  'place',
  'content',
  'category',
  'variant',
  'urgency',
] as const
export type QualityDetailField = (typeof QUALITY_DETAIL_FIELDS)[number]

/** "Were the recorded details correct?": yes, or no and which; undefined when not asked. */
export type DetailsCheck = { correct: true } | { correct: false; wrongFields: QualityDetailField[] }

export type QualityOutcome =
  | {
      reached: true
      satisfied: boolean
      rating: number | null
      note: string | null
      details?: DetailsCheck
    }
  | { reached: false; note: string | null }

/** The supervisor's return call on a sampled case: once; a second answer is refused. */
export async function recordQualityOutcome(
  db: Db,
  sampleId: string,
  outcome: QualityOutcome & { supervisorId: number; at: Date },
): Promise<void> {
  if (
    outcome.reached &&
    outcome.rating !== null &&
    !(Number.isInteger(outcome.rating) && outcome.rating >= 1 && outcome.rating <= 5)
  ) {
    throw new AppError('bad_request', `rating must be 1 to 5, got ${outcome.rating}`)
  }
  if (outcome.reached && outcome.details?.correct === false) {
    const unknown = outcome.details.wrongFields.filter(
      (f) => !(QUALITY_DETAIL_FIELDS as readonly string[]).includes(f),
    )
    if (outcome.details.wrongFields.length === 0 || unknown.length > 0) {
      throw new AppError(
        'bad_request',
        `wrongFields: name the wrong details, from ${QUALITY_DETAIL_FIELDS.join(', ')}`,
      )
    }
  }
  const r = await db
    .updateTable('quality_samples')
    .set({
      status: outcome.reached ? 'done' : 'unreachable',
      satisfied: outcome.reached ? outcome.satisfied : null,
      rating: outcome.reached ? outcome.rating : null,
      details_correct: outcome.reached && outcome.details ? outcome.details.correct : null,
      wrong_fields:
        outcome.reached && outcome.details && !outcome.details.correct
          ? [...new Set(outcome.details.wrongFields)]
          : null,
      note: outcome.note,
      supervisor_id: outcome.supervisorId,
      done_at: outcome.at,
    })
    .where('id', '=', sampleId)
    .where('status', '=', 'pending')
    .executeTakeFirst()
  if (r.numUpdatedRows === 1n) return
  const found = await db
    .selectFrom('quality_samples')
    .select('status')
    .where('id', '=', sampleId)
    .executeTakeFirst()
  if (!found) throw new NotFoundError('quality sample', sampleId)
  throw new AppError(
    'conflict',
    `quality sample ${sampleId} was already recorded (${found.status})`,
  )
}
