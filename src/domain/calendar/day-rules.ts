/**
 * Which dates are working days. Decided in this order: an administrator override; then the
 * year's official arrangement (holidays and make-up workdays, 调休): one an administrator
 * imported, else the one `chinese-days` publishes; for a year with neither, the statutory
 * holidays estimated from the State Council's rules (no make-up days); then the weekend rule.
 */
import { assertIsoDate, isoWeekday } from './local-time.ts'
import type { OfficialYear } from './official-years.ts'
import { indexOfficialYears } from './official-years.ts'
import { publicDay, PUBLISHED_YEARS } from './public-holidays.ts'
import { FIRST_STATUTORY_YEAR, statutoryHolidays } from './statutory-holidays.ts'

export interface CalendarOverride {
  date: string
  kind: 'holiday' | 'workday'
  note?: string
}

export interface DayRulesOptions {
  /** ISO weekdays off: 1 = Monday … 7 = Sunday. Default [6, 7]. */
  weekendDays?: readonly number[]
  /** Administrator decisions; they win over every arrangement. */
  overrides?: readonly CalendarOverride[]
  /** Whose public holidays apply. Default 'cn' (mainland China, from `chinese-days`). */
  publicHolidays?: 'cn' | 'none'
  /** Arrangements an administrator imported ('cn' only); they win over `chinese-days`. */
  officialYears?: readonly OfficialYear[]
}

export type DayReason =
  'override' | 'public_holiday' | 'make_up_workday' | 'estimated_holiday' | 'weekend' | 'weekday'

/** Where a year's arrangement comes from; 'none' when public holidays are off or unknown. */
export type YearSource = 'imported' | 'chinese-days' | 'estimated' | 'none'

export interface DayInfo {
  date: string
  working: boolean
  reason: DayReason
  /** The festival (e.g. '国庆节 National Day') or the override's note. */
  name?: string
  /** For a public holiday or make-up day: 'chinese-days', or the imported notice's source. */
  origin?: string
}

export interface DayRules {
  describeDay: (date: string) => DayInfo
  isWorkingDay: (date: string) => boolean
  /** Years with an official arrangement (published or imported), ascending; overrides do not count. */
  yearsCovered: () => readonly number[]
  coversYear: (year: number) => boolean
  yearSource: (year: number) => YearSource
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
  const cn = (opts.publicHolidays ?? 'cn') === 'cn'
  const imported = indexOfficialYears(cn ? (opts.officialYears ?? []) : [])
  const published = new Set(cn ? PUBLISHED_YEARS : [])
  const covered = Object.freeze(
    [...new Set([...published, ...imported.keys()])].sort((a, b) => a - b),
  )

  function yearSource(year: number): YearSource {
    if (imported.has(year)) return 'imported'
    if (published.has(year)) return 'chinese-days'
    return cn && year >= FIRST_STATUTORY_YEAR ? 'estimated' : 'none'
  }

  function arrangedDay(date: string): DayInfo | undefined {
    const year = Number(date.slice(0, 4))
    const source = yearSource(year)
    if (source === 'imported') {
      const day = imported.get(year)?.days.get(date)
      if (!day) return undefined
      const working = day === 'workday'
      const reason = working ? 'make_up_workday' : 'public_holiday'
      return { date, working, reason, origin: imported.get(year)?.source ?? '' }
    }
    if (source === 'chinese-days') {
      const day = publicDay(date)
      if (!day) return undefined
      const working = day.kind === 'workday'
      const reason = working ? 'make_up_workday' : 'public_holiday'
      return { date, working, reason, name: `${day.nameZh} ${day.nameEn}`, origin: 'chinese-days' }
    }
    if (source === 'estimated') {
      const day = statutoryHolidays(year).find((h) => h.date === date)
      if (!day) return undefined
      return {
        date,
        working: false,
        reason: 'estimated_holiday',
        name: `${day.nameZh} ${day.nameEn}`,
      }
    }
    return undefined
  }

  function describeDay(date: string): DayInfo {
    assertIsoDate(date)
    const override = overrides.get(date)
    if (override) {
      const working = override.kind === 'workday'
      return { date, working, reason: 'override', ...(override.note && { name: override.note }) }
    }
    const arranged = arrangedDay(date)
    if (arranged) return arranged
    const off = weekend.has(isoWeekday(date))
    return { date, working: !off, reason: off ? 'weekend' : 'weekday' }
  }

  return {
    describeDay,
    isWorkingDay: (date) => describeDay(date).working,
    yearsCovered: () => covered,
    coversYear: (year) => covered.includes(year),
    yearSource,
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
