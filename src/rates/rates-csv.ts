import type { RateReport } from './rate-report.ts'
import { RATE_NAMES } from './rate-report.ts'

const COLUMN: Record<(typeof RATE_NAMES)[number], string> = {
  timeliness: 'timeliness',
  satisfaction: 'satisfaction',
  returnCall: 'return_call',
  pass: 'pass',
  classification: 'classification',
  informationAccuracy: 'information_accuracy',
}

export const RATES_CSV_HEADER = [
  'period',
  'by',
  'group_id',
  'group_code',
  'group',
  ...RATE_NAMES.flatMap((r) => [
    `${COLUMN[r]}_num`,
    `${COLUMN[r]}_den`,
    `${COLUMN[r]}_rate`,
    `${COLUMN[r]}_meets_target`,
  ]),
  // 回访率's split: closed by the caller on a return call, by SMS reply, by a supervisor.
  'closed',
  'closed_by_return_call',
  'closed_by_sms_reply',
  'closed_by_override',
]

/**
 * One header row, one row per group. Rates as fractions with 4 decimals, and whether each meets
 * its target (yes / no); empty cells where the denominator is 0. CRLF line ends (RFC 4180), and a byte-order mark so spreadsheet programs read
 * the Chinese names as UTF-8.
 */
export function rateReportCsv(report: RateReport): string {
  const rows = report.groups.map((g) => [
    report.period.label,
    report.by,
    g.id === null ? '' : String(g.id),
    g.code,
    g.label,
    ...RATE_NAMES.flatMap((r) => {
      const rate = g.rates[r]
      return [
        String(rate.numerator),
        String(rate.denominator),
        rate.rate === null ? '' : rate.rate.toFixed(4),
        rate.meetsTarget === null ? '' : rate.meetsTarget ? 'yes' : 'no',
      ]
    }),
    String(g.closures.closed),
    String(g.closures.returnCall),
    String(g.closures.smsReply),
    String(g.closures.override),
  ])
  return `\ufeff${[RATES_CSV_HEADER, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`
}

/** Quotes what needs quoting, and defuses cells a spreadsheet would run as a formula. */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe
}
