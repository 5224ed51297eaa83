/**
 * What an administrator must be told about the calendar: a year whose holidays are only
 * estimated (no make-up workdays, no bridging days) makes working-day deadlines wrong around
 * every festival. The current year always counts; next year from 1 November, when its notice
 * is usually out.
 */
import { DateTime } from 'luxon'

import type { DayRules } from './day-rules.ts'

export interface CalendarWarning {
  code: 'calendar_estimated'
  year: number
  message: string
}

/** Month from which next year's arrangement is expected (November). */
export const WARN_FROM_MONTH = 11

export function calendarWarnings(
  rules: Pick<DayRules, 'yearSource'>,
  now: Date,
  timeZone: string,
): CalendarWarning[] {
  const local = DateTime.fromJSDate(now, { zone: timeZone })
  const years = local.month >= WARN_FROM_MONTH ? [local.year, local.year + 1] : [local.year]
  return years
    .filter((year) => rules.yearSource(year) === 'estimated')
    .map((year) => ({
      code: 'calendar_estimated' as const,
      year,
      message: `the ${year} holidays are estimated from the statutory rules (no make-up workdays): import the State Council's arrangement with PUT /api/admin/calendar/years/${year}, or upgrade chinese-days`,
    }))
}
