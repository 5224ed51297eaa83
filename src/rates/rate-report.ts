import type { Db } from '../db/database.ts'
import type { Period } from '../domain/periods.ts'
import type { RateName, RateTarget, RateTargets } from '../domain/rate-targets.ts'
import { meetsTarget, RATE_NAMES } from '../domain/rate-targets.ts'
import { loadRateTargets } from '../rate-targets/rate-targets.ts'
import type { ClosureCounts, RateCounts, RateDimension, RateWindow } from './rates.repository.ts'
import {
  closedCaseCounts,
  groupLabels,
  informationAccuracyCounts,
  satisfactionCounts,
  timelinessCounts,
} from './rates.repository.ts'

export { RATE_NAMES }

export interface Rate {
  numerator: number
  denominator: number
  /** numerator ÷ denominator; null when nothing was counted, never a made-up 100 %. */
  rate: number | null
}

/** A rate in a report: with whether it meets its target (null when nothing was counted). */
export interface JudgedRate extends Rate {
  meetsTarget: boolean | null
}

/** How the group's closed cases were closed: 回访率's numerator, and the SMS replies apart. */
export type Closures = Omit<ClosureCounts, 'groupId'>

export interface RateGroup {
  /** Agent, department or category id; null for "none" (no owner, not transferred, no category). */
  id: number | null
  /** Job number, department code or category code; 'all' for the overall group. */
  code: string
  label: string
  rates: Record<RateName, JudgedRate>
  closures: Closures
}

export interface RateReport {
  period: { label: string; kind: Period['kind']; from: Date; to: Date }
  by: RateDimension
  /** The instant "not yet due" was judged against. */
  asOf: Date
  targets: RateTargets
  groups: RateGroup[]
}

export function toRate(numerator: number, denominator: number): Rate {
  return { numerator, denominator, rate: denominator === 0 ? null : numerator / denominator }
}

function judged(numerator: number, denominator: number, target: RateTarget): JudgedRate {
  return {
    ...toRate(numerator, denominator),
    meetsTarget: meetsTarget(numerator, denominator, target),
  }
}

const NONE_LABEL: Record<RateDimension, { code: string; label: string }> = {
  agent: { code: 'none', label: 'no first owner' },
  department: { code: 'none', label: 'not transferred' },
  category: { code: 'none', label: 'no category' },
  all: { code: 'all', label: 'all cases' },
}

/** All six rates for a period, one group per agent, department or category (or one overall). */
export async function buildRateReport(
  db: Db,
  q: { period: Period; by: RateDimension; now: Date },
): Promise<RateReport> {
  const w: RateWindow = { from: q.period.from, to: q.period.to, now: q.now }
  // Separate statements on the pool, in parallel: each is an index range scan of its own table.
  const [labels, targets, closed, ...parts] = await Promise.all([
    groupLabels(db, q.by),
    loadRateTargets(db),
    closedCaseCounts(db, w, q.by),
    timelinessCounts(db, w, q.by),
    satisfactionCounts(db, w, q.by),
    informationAccuracyCounts(db, w, q.by),
  ])
  const merged = new Map<number | null, RateCounts['counts']>()
  // The overall report always has its one row, even for an empty period.
  if (q.by === 'all') merged.set(null, {})
  for (const row of [...parts.flat(), ...closed.counts]) {
    merged.set(row.groupId, { ...merged.get(row.groupId), ...row.counts })
  }
  const closures = new Map(closed.closures.map((c) => [c.groupId, c]))
  const groups = [...merged].map(([id, counts]): RateGroup => {
    const name = id === null ? undefined : labels.get(id)
    const none = NONE_LABEL[q.by]
    return {
      id,
      code: name?.code ?? (id === null ? none.code : String(id)),
      label: name?.name ?? (id === null ? none.label : `#${id}`),
      rates: Object.fromEntries(
        RATE_NAMES.map((r) => [
          r,
          judged(counts[r]?.numerator ?? 0, counts[r]?.denominator ?? 0, targets[r]),
        ]),
      ) as Record<RateName, JudgedRate>,
      closures: {
        closed: closures.get(id)?.closed ?? 0,
        returnCall: closures.get(id)?.returnCall ?? 0,
        smsReply: closures.get(id)?.smsReply ?? 0,
        override: closures.get(id)?.override ?? 0,
      },
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
    targets,
    groups,
  }
}
