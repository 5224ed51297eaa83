import { sql } from 'kysely'

import type { Db } from '../db/database.ts'
import { monthStartDate } from '../domain/periods.ts'
import { monthPeriod, QUALITY_SATISFACTION_TARGET, requiredSampleSize } from './quality-sample.ts'
import type { Rate } from './rate-report.ts'
import { toRate } from './rate-report.ts'

export interface QualitySampleEntry {
  id: string
  caseId: string
  caseReference: string
  categoryId: number | null
  categoryCode: string | null
  supervisorId: number | null
  status: 'pending' | 'done' | 'unreachable'
  satisfied: boolean | null
  rating: number | null
  note: string | null
  doneAt: Date | null
  /** 信息准确率's question: null when not asked. */
  detailsCorrect: boolean | null
  wrongFields: string[] | null
}

export interface QualitySampleReport {
  month: string
  samples: QualitySampleEntry[]
  /** Per category: cases closed in the month, the 10 % required, drawn, and the visits done. */
  categories: {
    categoryId: number | null
    categoryCode: string | null
    closed: number
    required: number
    drawn: number
    done: number
  }[]
  /** Satisfied ÷ reached (unreachable callers are not counted either way). */
  satisfaction: Rate
  target: number
  meetsTarget: boolean | null
  /** 信息准确率 over this sample: details confirmed correct ÷ samples where it was asked. */
  informationAccuracy: Rate
}

/** The month's sample with each visit's outcome, the coverage per category and its satisfaction. */
export async function qualitySampleReport(
  db: Db,
  opts: { month: string; timeZone: string },
): Promise<QualitySampleReport> {
  const period = monthPeriod(opts.month, opts.timeZone)
  const month = monthStartDate(period)
  const [samples, closed] = await Promise.all([
    db
      .selectFrom('quality_samples as q')
      .innerJoin('cases as c', 'c.id', 'q.case_id')
      .leftJoin('categories as k', 'k.id', 'q.category_id')
      .select([
        'q.id',
        'q.case_id',
        'c.reference',
        'q.category_id',
        'k.code',
        'q.supervisor_id',
        'q.status',
        'q.satisfied',
        'q.rating',
        'q.note',
        'q.done_at',
        'q.details_correct',
        'q.wrong_fields',
      ])
      .where('q.month', '=', month)
      .orderBy('q.category_id')
      .orderBy('q.id')
      .execute(),
    db
      .selectFrom('cases as c')
      .leftJoin('categories as k', 'k.id', 'c.category_id')
      .select(['c.category_id', 'k.code', sql<string>`count(*)`.as('closed')])
      .where('c.closed_at', '>=', period.from)
      .where('c.closed_at', '<', period.to)
      .where('c.status', '=', 'closed')
      .groupBy(['c.category_id', 'k.code'])
      .orderBy('c.category_id')
      .execute(),
  ])
  const categories = closed.map((r) => {
    const mine = samples.filter((s) => s.category_id === r.category_id)
    return {
      categoryId: r.category_id,
      categoryCode: r.code,
      closed: Number(r.closed),
      required: requiredSampleSize(Number(r.closed)),
      drawn: mine.length,
      done: mine.filter((s) => s.status !== 'pending').length,
    }
  })
  const reached = samples.filter((s) => s.status === 'done')
  const satisfaction = toRate(reached.filter((s) => s.satisfied === true).length, reached.length)
  const checked = samples.filter((s) => s.details_correct !== null)
  const informationAccuracy = toRate(
    checked.filter((s) => s.details_correct === true).length,
    checked.length,
  )
  return {
    month: period.label,
    samples: samples.map((s) => ({
      id: s.id,
      caseId: s.case_id,
      caseReference: s.reference,
      categoryId: s.category_id,
      categoryCode: s.code,
      supervisorId: s.supervisor_id,
      status: s.status,
      satisfied: s.satisfied,
      rating: s.rating,
      note: s.note,
      doneAt: s.done_at,
      detailsCorrect: s.details_correct,
      wrongFields: s.wrong_fields,
    })),
    categories,
    satisfaction,
    target: QUALITY_SATISFACTION_TARGET,
    meetsTarget:
      satisfaction.rate === null ? null : satisfaction.rate >= QUALITY_SATISFACTION_TARGET,
    informationAccuracy,
  }
}
