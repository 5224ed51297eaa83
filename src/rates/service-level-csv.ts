import { csvCell } from './rates-csv.ts'
import type { ServiceLevelGroup, ServiceLevelReport } from './service-level-report.ts'

export const SERVICE_LEVEL_CSV_HEADER = [
  'period',
  'by',
  'group_code',
  'group',
  'offered',
  'answered_within',
  'answered_later',
  'abandoned',
  'abandoned_short',
  'voicemail',
  'waiting',
  'service_level',
  'wait_avg_s',
  'wait_p90_s',
  'wait_max_s',
  'answered',
  'handle_avg_s',
  'missed_offers',
]

const cell = (v: number | null | undefined) => (v === null || v === undefined ? '' : String(v))

/**
 * One header row, one row per group, then the total row ('all'). The rate as a fraction with 4
 * decimals, empty where nothing was left to judge; the agent-only columns empty for the other
 * dimensions. CRLF and a byte-order mark, like the rates' CSV.
 */
export function serviceLevelCsv(r: ServiceLevelReport): string {
  const row = (g: ServiceLevelGroup) => [
    r.period.label,
    r.by,
    g.code,
    g.label,
    String(g.offered),
    String(g.answeredWithin),
    String(g.answeredLater),
    String(g.abandoned),
    String(g.abandonedShort),
    String(g.voicemail),
    String(g.waiting),
    g.serviceLevel === null ? '' : g.serviceLevel.toFixed(4),
    cell(g.waitAvgSeconds),
    cell(g.waitP90Seconds),
    cell(g.waitMaxSeconds),
    cell(g.answered),
    cell(g.handleAvgSeconds),
    cell(g.missedOffers),
  ]
  const lines = [SERVICE_LEVEL_CSV_HEADER, ...r.groups.map(row), row(r.total)]
  return `\ufeff${lines.map((l) => l.map(csvCell).join(',')).join('\r\n')}\r\n`
}
