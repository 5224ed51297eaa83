/**
 * When a caller may be rung (return calls, retries): a daily window in the caller's own time
 * zone, every day by default; a deployment can limit it to working days. [start, end): a call
 * is not started at 20:30 itself.
 */
import type { DayRules } from './day-rules.ts'
import type { TimeRange } from './local-time.ts'
import {
  addDays,
  assertTimeZone,
  localDate,
  localMinuteOfDay,
  parseTimeRange,
  wallClock,
} from './local-time.ts'

export interface CallingHours extends TimeRange {
  daysAllowed: 'every_day' | 'working_days'
}

export const DEFAULT_CALLING_HOURS: CallingHours = Object.freeze({
  start: '08:30',
  end: '20:30',
  daysAllowed: 'every_day',
})

/** Only needed for `daysAllowed: 'working_days'`; a WorkingCalendar will do. */
export type DayCheck = Pick<DayRules, 'isWorkingDay'>

/** At most a year of days ahead: past that the configuration allows no calls at all. */
const MAX_DAYS_AHEAD = 366

export function isWithinCallingHours(
  at: Date,
  hours: CallingHours,
  timeZone: string,
  calendar?: DayCheck,
): boolean {
  return nextCallingMoment(at, hours, timeZone, calendar).getTime() === at.getTime()
}

/** `at` when a call may start then, else the start of the next calling window. */
export function nextCallingMoment(
  at: Date,
  hours: CallingHours,
  timeZone: string,
  calendar?: DayCheck,
): Date {
  assertTimeZone(timeZone)
  const window = parseTimeRange(hours, 'calling hours')
  const allowed = dayFilter(hours, calendar)
  let date = localDate(at, timeZone)
  if (allowed(date)) {
    const minute = localMinuteOfDay(at, timeZone)
    if (minute >= window.start && minute < window.end) return at
    if (minute < window.start) return wallClock(date, window.start, timeZone)
  }
  for (let i = 0; i < MAX_DAYS_AHEAD; i++) {
    date = addDays(date, 1)
    if (allowed(date)) return wallClock(date, window.start, timeZone)
  }
  throw new RangeError(`calling hours allow no day within ${MAX_DAYS_AHEAD} days of ${date}`)
}

function dayFilter(hours: CallingHours, calendar?: DayCheck): (date: string) => boolean {
  if (hours.daysAllowed === 'every_day') return () => true
  if (!calendar) {
    throw new TypeError("calling hours on 'working_days' need the working calendar passed in")
  }
  return (date) => calendar.isWorkingDay(date)
}
