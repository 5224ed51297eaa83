/**
 * Mainland China's public holidays and make-up workdays (调休), from the maintained
 * `chinese-days` package, which follows the State Council's notice each year (usually published
 * in November for the next year).
 *
 * We read the package's published JSON (documented in its README for non-JS use) rather than
 * calling its functions: those parse and format dates in the process's local zone, and on a
 * server west of UTC they answer for the wrong day (checked with TZ=America/New_York on 1.5.7:
 * getDayDetail('2026-10-01') reports 2026-09-30). A lookup by ISO date string has no zone at all.
 */
import published from 'chinese-days/dist/chinese-days.json' with { type: 'json' }

/** What the package publishes: date → "English name,中文名,days" for each kind of day. */
interface PublishedData {
  holidays: Record<string, string>
  workdays: Record<string, string>
}

export interface PublicDay {
  kind: 'holiday' | 'workday'
  /** The festival the day belongs to, e.g. 'National Day'; make-up workdays name theirs too. */
  nameEn: string
  nameZh: string
}

const data: PublishedData = published

/** The package's entry for a date, or undefined for an ordinary weekday or weekend day. */
export function publicDay(date: string): PublicDay | undefined {
  const holiday = data.holidays[date]
  if (holiday !== undefined) return parse('holiday', holiday)
  const workday = data.workdays[date]
  if (workday !== undefined) return parse('workday', workday)
  return undefined
}

/**
 * The years the package has an arrangement for, ascending. A year missing here (say, next year
 * before its notice is out) gets its statutory holidays estimated (statutory-holidays.ts) until
 * an administrator imports the notice or the package is upgraded; the service warns meanwhile.
 */
export const PUBLISHED_YEARS: readonly number[] = Object.freeze(
  [...new Set(Object.keys(data.holidays).map((date) => Number(date.slice(0, 4))))].sort(
    (a, b) => a - b,
  ),
)

function parse(kind: PublicDay['kind'], entry: string): PublicDay {
  const [nameEn = '', nameZh = ''] = entry.split(',')
  return { kind, nameEn, nameZh }
}
