/**
 * The calendar as an administrator reads it: each date's kind and what decided it, so a wrong
 * day can be traced to its cause (an override, the official arrangement, an estimate for a year
 * not yet published, or the weekend rule).
 */
import type { DayInfo, DayRules } from './day-rules.ts'
import { addDays, assertIsoDate } from './local-time.ts'

export type DayKind = 'workday' | 'weekend' | 'holiday' | 'make-up'
/**
 * override: an administrator's date; official: the year's arrangement (imported, or from
 * chinese-days: `origin` says which); estimated: a statutory holiday of a year nobody has
 * published yet; weekly_rule: the rest.
 */
export type DaySource = 'override' | 'official' | 'estimated' | 'weekly_rule'

export interface CalendarDay {
  date: string
  kind: DayKind
  working: boolean
  source: DaySource
  /** The festival, or the override's note. */
  name?: string
  /** For an official day: 'chinese-days' or the imported notice's source text. */
  origin?: string
}

export const MAX_CALENDAR_SPAN_DAYS = 366

export function calendarDay(info: DayInfo): CalendarDay {
  const { date, working, name, origin } = info
  const [kind, source]: readonly [DayKind, DaySource] = {
    override: [working ? 'workday' : 'holiday', 'override'] as const,
    public_holiday: ['holiday', 'official'] as const,
    make_up_workday: ['make-up', 'official'] as const,
    // A holiday on a Saturday is still a holiday: the notice may give a day off in lieu.
    estimated_holiday: ['holiday', 'estimated'] as const,
    weekend: ['weekend', 'weekly_rule'] as const,
    weekday: ['workday', 'weekly_rule'] as const,
  }[info.reason]
  return {
    date,
    kind,
    working,
    source,
    ...(name !== undefined && { name }),
    ...(origin !== undefined && { origin }),
  }
}

/** Every date from `from` to `to`, both included; at most MAX_CALENDAR_SPAN_DAYS of them. */
export function calendarDays(rules: DayRules, from: string, to: string): CalendarDay[] {
  assertIsoDate(from, 'from')
  assertIsoDate(to, 'to')
  if (to < from) throw new RangeError(`to (${to}) is before from (${from})`)
  const days: CalendarDay[] = []
  for (let date = from; date <= to; date = addDays(date, 1)) {
    if (days.length === MAX_CALENDAR_SPAN_DAYS) {
      throw new RangeError(`ask for at most ${MAX_CALENDAR_SPAN_DAYS} days at a time`)
    }
    days.push(calendarDay(rules.describeDay(date)))
  }
  return days
}

/** Years in the range whose holidays are estimated: no official arrangement yet. */
export function estimatedYears(rules: DayRules, from: string, to: string): number[] {
  const years: number[] = []
  for (let y = Number(from.slice(0, 4)); y <= Number(to.slice(0, 4)); y++) {
    if (rules.yearSource(y) === 'estimated') years.push(y)
  }
  return years
}
