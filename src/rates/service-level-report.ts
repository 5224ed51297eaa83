import type { Db } from '../db/database.ts'
import type { Period } from '../domain/periods.ts'
import type { ServiceLevelBounds, ServiceLevelDimension } from '../domain/service-level.ts'
import { roundSeconds, serviceLevel } from '../domain/service-level.ts'
import type { ServiceLevelCounts } from './service-level.repository.ts'
import { serviceLevelCounts } from './service-level.repository.ts'

export interface ServiceLevelGroup {
  /** Hotline number, local day ('2026-11-05'), local hour ('09'), job number; 'none' or 'all'. */
  code: string
  label: string
  offered: number
  answeredWithin: number
  answeredLater: number
  abandoned: number
  abandonedShort: number
  /** Offered, neither answered nor abandoned: sent to voicemail (nobody free, or too long). */
  voicemail: number
  /** Still in the queue now: not settled, so not yet offered. */
  waiting: number
  /** answeredWithin ÷ (offered − abandonedShort); null when that is 0. */
  serviceLevel: number | null
  /** Over answered calls: first queue entry to first answer (average speed of answer). */
  waitAvgSeconds: number | null
  waitP90Seconds: number | null
  waitMaxSeconds: number | null
  /** By agent: calls this agent answered first (the same as offered for an agent's row). */
  answered?: number
  /** By agent: average of their answered legs rung in the period, pick-up to hang-up. */
  handleAvgSeconds?: number | null
  /** By agent: rings to this agent in the period that rang out, were busy or declined. */
  missedOffers?: number
}

export interface ServiceLevelReport {
  period: { label: string; kind: Period['kind']; from: Date; to: Date }
  by: ServiceLevelDimension
  timeZone: string
  bounds: ServiceLevelBounds
  groups: ServiceLevelGroup[]
  total: ServiceLevelGroup
}

const NONE: Record<ServiceLevelDimension, string> = {
  hotline: 'no hotline',
  day: '',
  hour: '',
  agent: 'not answered',
}

const EMPTY: ServiceLevelCounts = {
  key: null,
  total: true,
  code: null,
  name: null,
  offered: 0,
  answeredWithin: 0,
  answeredLater: 0,
  abandoned: 0,
  abandonedShort: 0,
  voicemail: 0,
  waiting: 0,
  waitAvgSeconds: null,
  waitP90Seconds: null,
  waitMaxSeconds: null,
  missedOffers: 0,
  handleSeconds: 0,
  handledLegs: 0,
}

export async function buildServiceLevelReport(
  db: Db,
  q: { period: Period; by: ServiceLevelDimension; timeZone: string; bounds: ServiceLevelBounds },
): Promise<ServiceLevelReport> {
  const rows = await serviceLevelCounts(db, {
    from: q.period.from,
    to: q.period.to,
    by: q.by,
    timeZone: q.timeZone,
    bounds: q.bounds,
  })
  const agent = q.by === 'agent'
  const group = (r: ServiceLevelCounts, code: string, label: string): ServiceLevelGroup => ({
    code,
    label,
    offered: r.offered,
    answeredWithin: r.answeredWithin,
    answeredLater: r.answeredLater,
    abandoned: r.abandoned,
    abandonedShort: r.abandonedShort,
    voicemail: r.voicemail,
    waiting: r.waiting,
    serviceLevel: serviceLevel(r),
    waitAvgSeconds: roundSeconds(r.waitAvgSeconds),
    waitP90Seconds: roundSeconds(r.waitP90Seconds),
    waitMaxSeconds: roundSeconds(r.waitMaxSeconds),
    ...(agent && {
      answered: r.answeredWithin + r.answeredLater,
      handleAvgSeconds: r.handledLegs === 0 ? null : roundSeconds(r.handleSeconds / r.handledLegs),
      missedOffers: r.missedOffers,
    }),
  })
  // A period without a queued call has no rows at all: its total is all zeros.
  const totalRow = rows.find((r) => r.total) ?? EMPTY
  const groups = rows
    .filter((r) => !r.total)
    .map((r) =>
      r.key === null
        ? group(r, 'none', NONE[q.by])
        : group(r, r.code ?? r.key, r.name ?? (agent ? `#${r.key}` : r.key)),
    )
  // In code order (numeric for job numbers), the "none" group last.
  groups.sort((a, b) =>
    a.code === 'none'
      ? 1
      : b.code === 'none'
        ? -1
        : a.code.localeCompare(b.code, 'en', { numeric: true }),
  )
  return {
    period: { label: q.period.label, kind: q.period.kind, from: q.period.from, to: q.period.to },
    by: q.by,
    timeZone: q.timeZone,
    bounds: q.bounds,
    groups,
    total: group(totalRow, 'all', 'all calls'),
  }
}
