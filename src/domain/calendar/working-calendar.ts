/**
 * The deployment's working-day calendar and working-time arithmetic, always in the deployment's
 * time zone. Pure: every instant is passed in. Working time on a working day is `workingHours`
 * minus `breaks`, as [start, end): 18:00 itself is after hours.
 */
import { DateTime } from 'luxon'

import type { DayRules, DayRulesOptions } from './day-rules.ts'
import { createDayRules } from './day-rules.ts'
import type { TimeRange } from './local-time.ts'
import {
  addDays,
  assertTimeZone,
  localDate,
  localMinuteOfDay,
  parseTimeRange,
  wallClock,
} from './local-time.ts'

export interface WorkingCalendarOptions extends DayRulesOptions {
  timeZone: string
  /** Default 09:00–18:00. */
  workingHours?: TimeRange
  /** Gaps inside the working hours that are not working time, e.g. lunch 12:00–13:00. */
  breaks?: readonly TimeRange[]
}

export interface WorkingCalendar extends DayRules {
  readonly timeZone: string
  /** Working minutes in a working day: the hours less the breaks (09:00–12:00, 13:30–18:00: 450). */
  readonly workingMinutesPerDay: number
  isWorkingTime: (at: Date) => boolean
  /** `at` itself when inside working time, else the start of the next working period. */
  nextWorkingTime: (at: Date) => Date
  addWorkingMinutes: (start: Date, minutes: number) => Date
  addWorkingDays: (start: Date, days: number) => Date
  endOfWorkingDay: (at: Date) => Date
  /** Working minutes in [a, b); negative when b is before a. */
  workingMinutesBetween: (a: Date, b: Date) => number
}

export const DEFAULT_WORKING_HOURS: TimeRange = Object.freeze({ start: '09:00', end: '18:00' })

/** Longest run of non-working days we accept before calling the configuration broken. */
const MAX_DAYS_OFF_IN_A_ROW = 366

interface Interval {
  start: number
  end: number
}

export function createWorkingCalendar(opts: WorkingCalendarOptions): WorkingCalendar {
  const { timeZone } = opts
  assertTimeZone(timeZone)
  const hours = parseTimeRange(opts.workingHours ?? DEFAULT_WORKING_HOURS, 'workingHours')
  const segments = workingSegments(hours, opts.breaks ?? [])
  if (segments.length === 0) throw new RangeError('breaks cannot cover all of workingHours')
  const days = createDayRules(opts)
  const { isWorkingDay } = days

  /** Working intervals (epoch ms) ending after `from`, in order, from `from`'s local date on. */
  function* intervalsFrom(from: Date): Generator<Interval, never> {
    let date = localDate(from, timeZone)
    for (let daysOff = 0; daysOff <= MAX_DAYS_OFF_IN_A_ROW; date = addDays(date, 1)) {
      if (!isWorkingDay(date)) {
        daysOff++
        continue
      }
      daysOff = 0
      for (const s of segments) {
        const iv = { start: at(date, s.start), end: at(date, s.end) }
        if (iv.end > from.getTime()) yield iv
      }
    }
    throw new RangeError(`no working day in the ${MAX_DAYS_OFF_IN_A_ROW} days before ${date}`)
  }

  function at(date: string, minuteOfDay: number): number {
    return wallClock(date, minuteOfDay, timeZone).getTime()
  }

  function nextWorkingTime(from: Date): Date {
    const first = intervalsFrom(from).next().value
    return new Date(Math.max(first.start, from.getTime()))
  }

  /** The working day `n` working days after `date` (n ≥ 1). */
  function nthWorkingDayAfter(date: string, n: number): string {
    let day = date
    for (let left = n, daysOff = 0; left > 0;) {
      day = addDays(day, 1)
      if (isWorkingDay(day)) {
        left--
        daysOff = 0
      } else if (++daysOff > MAX_DAYS_OFF_IN_A_ROW) {
        throw new RangeError(`no working day in the ${MAX_DAYS_OFF_IN_A_ROW} days after ${date}`)
      }
    }
    return day
  }

  function workingMinutesBetween(a: Date, b: Date): number {
    if (b.getTime() < a.getTime()) return -workingMinutesBetween(b, a)
    let ms = 0
    for (const iv of intervalsFrom(a)) {
      if (iv.start >= b.getTime()) break
      ms += Math.min(iv.end, b.getTime()) - Math.max(iv.start, a.getTime())
    }
    return ms / 60_000
  }

  return {
    ...days,
    timeZone,
    workingMinutesPerDay: segments.reduce((sum, s) => sum + s.end - s.start, 0),
    nextWorkingTime,
    workingMinutesBetween,
    isWorkingTime: (t) => nextWorkingTime(t).getTime() === t.getTime(),
    addWorkingMinutes(start, minutes) {
      if (!Number.isFinite(minutes) || minutes < 0) {
        throw new RangeError(`minutes must be a finite number ≥ 0, got ${minutes}`)
      }
      let remainingMs = minutes * 60_000
      if (remainingMs === 0) return start
      for (const iv of intervalsFrom(start)) {
        const from = Math.max(iv.start, start.getTime())
        if (remainingMs <= iv.end - from) return new Date(from + remainingMs)
        remainingMs -= iv.end - from
      }
      throw new Error('unreachable: intervalsFrom never ends without throwing')
    },
    /**
     * "N working days" from a start inside the working day (a break counts as inside) is the
     * same wall-clock time N working days later: how people read "reply by this time tomorrow",
     * and always N full days of working time whatever the configured hours. From a start
     * outside working hours the clock starts with the next working day, which counts as day 1,
     * and the limit runs to the end of day N: a call at 19:00 on Friday gets all of Monday, not
     * a deadline at 09:00 on Monday with no working time in it.
     */
    addWorkingDays(start, count) {
      if (!Number.isInteger(count) || count < 0) {
        throw new RangeError(`days must be a whole number ≥ 0, got ${count}; use minutes for less`)
      }
      if (count === 0) return start
      const date = localDate(start, timeZone)
      const minute = localMinuteOfDay(start, timeZone)
      if (isWorkingDay(date) && minute >= hours.start && minute < hours.end) {
        const local = DateTime.fromJSDate(start, { zone: timeZone })
        const { year, month, day } = DateTime.fromISO(nthWorkingDayAfter(date, count), {
          zone: 'utc',
        })
        return local.set({ year, month, day }).toJSDate()
      }
      const firstDay = localDate(nextWorkingTime(start), timeZone)
      const lastDay = count === 1 ? firstDay : nthWorkingDayAfter(firstDay, count - 1)
      return wallClock(lastDay, hours.end, timeZone)
    },
    /**
     * The close of the working day `at` belongs to: today's if `at` is on a working day before
     * closing time, else the next working day's. A case still open then goes on the agenda of
     * the manager meeting (digest §2.1 #12).
     */
    endOfWorkingDay: (t) => wallClock(localDate(nextWorkingTime(t), timeZone), hours.end, timeZone),
  }
}

function workingSegments(hours: Interval, breaks: readonly TimeRange[]): Interval[] {
  const gaps = breaks
    .map((b, i) => parseTimeRange(b, `breaks[${i}]`))
    .sort((x, y) => x.start - y.start)
  const segments: Interval[] = []
  let cursor = hours.start
  for (const gap of gaps) {
    if (gap.start < cursor || gap.end > hours.end) {
      throw new RangeError('breaks must lie inside workingHours and must not overlap each other')
    }
    if (gap.start > cursor) segments.push({ start: cursor, end: gap.start })
    cursor = gap.end
  }
  if (cursor < hours.end) segments.push({ start: cursor, end: hours.end })
  return segments
}
