/**
 * Which dates are working days. Decided in this order: an administrator override, then the
 * published public-holiday arrangement (`chinese-days`: holidays and make-up workdays, 调休),
 * then the weekend rule.
 */
import { assertIsoDate, isoWeekday } from './local-time.ts'
import { publicDay, PUBLISHED_YEARS } from './public-holidays.ts'

export interface CalendarOverride {
  date: string
  kind: 'holiday' | 'workday'
  note?: string
}

export interface DayRulesOptions {
  /** ISO weekdays off: 1 = Monday … 7 = Sunday. Default [6, 7]. */
  weekendDays?: readonly number[]
  /** Administrator decisions; they win over the published arrangement. */
  overrides?: readonly CalendarOverride[]
  /** Whose public holidays apply. Default 'cn' (mainland China, from `chinese-days`). */
  publicHolidays?: 'cn' | 'none'
}

export type DayReason = 'override' | 'public_holiday' | 'make_up_workday' | 'weekend' | 'weekday'

export interface DayInfo {
  date: string
  working: boolean
  reason: DayReason
  /** The festival (e.g. '国庆节 National Day') or the override's note. */
  name?: string
}

export interface DayRules {
  describeDay: (date: string) => DayInfo
  isWorkingDay: (date: string) => boolean
  /** Years with a published holiday arrangement, ascending; overrides do not count. */
  yearsCovered: () => readonly number[]
  coversYear: (year: number) => boolean
}

export const DEFAULT_WEEKEND_DAYS: readonly number[] = Object.freeze([6, 7])

export function createDayRules(opts: DayRulesOptions): DayRules {
  const weekend = new Set(opts.weekendDays ?? DEFAULT_WEEKEND_DAYS)
  for (const d of weekend) {
    if (!Number.isInteger(d) || d < 1 || d > 7) {
      throw new RangeError(`weekendDays are ISO weekdays 1 (Monday) … 7 (Sunday), got ${d}`)
    }
  }
  if (weekend.size === 7) throw new RangeError('weekendDays cannot cover the whole week')
  const overrides = indexOverrides(opts.overrides ?? [])
  const usePublished = (opts.publicHolidays ?? 'cn') === 'cn'
  const years = usePublished ? PUBLISHED_YEARS : []

  function describeDay(date: string): DayInfo {
    assertIsoDate(date)
    const override = overrides.get(date)
    if (override) {
      const working = override.kind === 'workday'
      return { date, working, reason: 'override', ...(override.note && { name: override.note }) }
    }
    const day = usePublished ? publicDay(date) : undefined
    if (day) {
      const working = day.kind === 'workday'
      const reason = working ? 'make_up_workday' : 'public_holiday'
      return { date, working, reason, name: `${day.nameZh} ${day.nameEn}` }
    }
    const off = weekend.has(isoWeekday(date))
    return { date, working: !off, reason: off ? 'weekend' : 'weekday' }
  }

  return {
    describeDay,
    isWorkingDay: (date) => describeDay(date).working,
    yearsCovered: () => years,
    coversYear: (year) => years.includes(year),
  }
}

function indexOverrides(list: readonly CalendarOverride[]): Map<string, CalendarOverride> {
  const byDate = new Map<string, CalendarOverride>()
  for (const o of list) {
    assertIsoDate(o.date, 'overrides[].date')
    const seen = byDate.get(o.date)
    if (seen && seen.kind !== o.kind) {
      throw new RangeError(`overrides say both holiday and workday for ${o.date}; keep one`)
    }
    byDate.set(o.date, o)
  }
  return byDate
}
