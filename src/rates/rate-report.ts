import type { Db } from '../db/database.ts'
import type { Period } from '../domain/periods.ts'
import type { RateCounts, RateDimension, RateName, RateWindow } from './rates.repository.ts'
import {
  classificationCounts,
  closedCaseCounts,
  groupLabels,
  satisfactionCounts,
  timelinessCounts,
} from './rates.repository.ts'

export const RATE_NAMES: readonly RateName[] = [
  'timeliness',
  'satisfaction',
  'returnCall',
  'pass',
  'classification',
]

/** The targets the sources set (DOMAIN.md, "Rates"); a rate meets its target when >= it. */
export const RATE_TARGETS: Readonly<Record<RateName, number>> = {
  timeliness: 1,
  satisfaction: 0.98,
  returnCall: 1,
  pass: 1,
  classification: 0.99,
}

export interface Rate {
  numerator: number
  denominator: number
  /** numerator ÷ denominator; null when nothing was counted, never a made-up 100 %. */
  rate: number | null
}

export interface RateGroup {
  /** Agent, department or category id; null for "none" (no owner, not transferred, no category). */
  id: number | null
  /** Job number, department code or category code; 'all' for the overall group. */
  code: string
  label: string
  rates: Record<RateName, Rate>
}

export interface RateReport {
  period: { label: string; kind: Period['kind']; from: Date; to: Date }
  by: RateDimension
  /** The instant "not yet due" was judged against. */
  asOf: Date
  targets: Readonly<Record<RateName, number>>
  groups: RateGroup[]
}

export function toRate(numerator: number, denominator: number): Rate {
  return { numerator, denominator, rate: denominator === 0 ? null : numerator / denominator }
}

const NONE_LABEL: Record<RateDimension, { code: string; label: string }> = {
  agent: { code: 'none', label: 'no first owner' },
  department: { code: 'none', label: 'not transferred' },
  category: { code: 'none', label: 'no category' },
  all: { code: 'all', label: 'all cases' },
}

/** All five rates for a period, one group per agent, department or category (or one overall). */
export async function buildRateReport(
  db: Db,
  q: { period: Period; by: RateDimension; now: Date },
): Promise<RateReport> {
  const w: RateWindow = { from: q.period.from, to: q.period.to, now: q.now }
  // Separate statements on the pool, in parallel: each is an index range scan of its own table.
  const [labels, ...parts] = await Promise.all([
    groupLabels(db, q.by),
    timelinessCounts(db, w, q.by),
    satisfactionCounts(db, w, q.by),
    closedCaseCounts(db, w, q.by),
    classificationCounts(db, w, q.by),
  ])
  const merged = new Map<number | null, RateCounts['counts']>()
  // The overall report always has its one row, even for an empty period.
  if (q.by === 'all') merged.set(null, {})
  for (const row of parts.flat()) {
    merged.set(row.groupId, { ...merged.get(row.groupId), ...row.counts })
  }
  const groups = [...merged].map(([id, counts]): RateGroup => {
    const name = id === null ? undefined : labels.get(id)
    const none = NONE_LABEL[q.by]
    return {
      id,
      code: name?.code ?? (id === null ? none.code : String(id)),
      label: name?.name ?? (id === null ? none.label : `#${id}`),
      rates: Object.fromEntries(
        RATE_NAMES.map((r) => [r, toRate(counts[r]?.numerator ?? 0, counts[r]?.denominator ?? 0)]),
      ) as Record<RateName, Rate>,
    }
  })
  // Named groups by code; the "none" group last, where a reader looks for leftovers.
  groups.sort((a, b) =>
    a.id === null ? 1 : b.id === null ? -1 : a.code.localeCompare(b.code, 'en', { numeric: true }),
  )
  return {
    period: { label: q.period.label, kind: q.period.kind, from: q.period.from, to: q.period.to },
    by: q.by,
    asOf: q.now,
    targets: RATE_TARGETS,
    groups,
  }
}
