/**
 * Time limits per step, as data, and the arithmetic on them. A limit is an amount, a unit and a
 * basis, which says each source rule the way it is written:
 *   "10 minutes"        { amount: 10,  unit: 'minutes', basis: 'calendar' }
 *   "90 seconds"        { amount: 1.5, unit: 'minutes', basis: 'calendar' }
 *   "2 days"            { amount: 2,   unit: 'days',    basis: 'calendar' }  same local time
 *   "half a day"        { amount: 0.5, unit: 'days',    basis: 'working' }   half the working minutes
 *   "7 working days"    { amount: 7,   unit: 'days',    basis: 'working' }   see addWorkingDays
 *   "4 working hours"   { amount: 240, unit: 'minutes', basis: 'working' }
 * Working days stay days rather than 480 minutes, so they keep meaning "by this time on the
 * N-th working day" whatever hours a deployment works. Days are whole, but for half a working
 * day: half of the day's working minutes as configured, breaks left out (09:00-12:00 and
 * 13:30-18:00 work 450 minutes, so half a day is 225), which is what the sources' 半天 means
 * to the people working those hours.
 */
import { DateTime } from 'luxon'

import type { WorkingCalendar } from './calendar/working-calendar.ts'

export type LimitStep =
  | 'record'
  | 'dispatch'
  | 'supervisor_answer'
  | 'department_answer'
  | 'resolution'
  | 'confirmation_call'

export type LimitBasis = 'calendar' | 'working'

export interface TimeLimit {
  amount: number
  unit: 'minutes' | 'days'
  basis: LimitBasis
}

export interface TimeLimitPolicy extends TimeLimit {
  step: LimitStep
  /** Category code ('repair', …); null applies to every category without its own row. */
  category: string | null
  /** Severity or kind within the category ('serious', 'in_home', …); null is its default. */
  variant: string | null
  /** Where the number comes from (row of domain/seed-digest.md §2). */
  source: string
}

/** The only fraction of a day a limit may have: half a working day (半天). */
export const HALF_DAY = 0.5
export const DEFAULT_WARN_SHARE = 0.8

export { DEFAULT_POLICIES } from './time-limit-defaults.ts'

/** The most specific policy for a step: category + variant, then category, then any category. */
export function findPolicy(
  policies: readonly TimeLimitPolicy[],
  step: LimitStep,
  category: string | null = null,
  variant: string | null = null,
): TimeLimitPolicy | undefined {
  const forStep = policies.filter((p) => p.step === step)
  return (
    (category !== null && variant !== null
      ? forStep.find((p) => p.category === category && p.variant === variant)
      : undefined) ??
    (category !== null
      ? forStep.find((p) => p.category === category && p.variant === null)
      : undefined) ??
    forStep.find((p) => p.category === null && p.variant === null)
  )
}

export function assertTimeLimit(limit: TimeLimit): void {
  const { amount, unit, basis } = limit
  if (!Number.isFinite(amount) || amount <= 0) {
    throw new RangeError(`a time limit's amount must be a number > 0, got ${amount}`)
  }
  if (unit !== 'minutes' && unit !== 'days') {
    throw new RangeError(`a time limit's unit is 'minutes' or 'days', got ${String(unit)}`)
  }
  if (basis !== 'calendar' && basis !== 'working') {
    throw new RangeError(`a time limit's basis is 'calendar' or 'working', got ${String(basis)}`)
  }
  if (
    unit === 'days' &&
    !Number.isInteger(amount) &&
    !(amount === HALF_DAY && basis === 'working')
  ) {
    throw new RangeError(
      `days must be whole (got ${amount}), but for half a working day: 0.5 days on the working basis`,
    )
  }
}

/** When a step started at `start` is due. */
export function deadlineFor(limit: TimeLimit, start: Date, calendar: WorkingCalendar): Date {
  assertTimeLimit(limit)
  const { amount, unit, basis } = limit
  if (basis === 'working') {
    if (unit === 'minutes') return calendar.addWorkingMinutes(start, amount)
    return amount === HALF_DAY
      ? calendar.addWorkingMinutes(start, calendar.workingMinutesPerDay * HALF_DAY)
      : calendar.addWorkingDays(start, amount)
  }
  if (unit === 'minutes') return new Date(start.getTime() + amount * 60_000)
  // Calendar days keep the local time across a DST change: "2 days" from 10:00 is 10:00.
  return DateTime.fromJSDate(start, { zone: calendar.timeZone }).plus({ days: amount }).toJSDate()
}

/**
 * The moment `share` of the time from start to deadline has gone: in working time when a
 * calendar is given (for limits on the working basis), else in elapsed time.
 */
export function warnAt(
  start: Date,
  deadline: Date,
  share = DEFAULT_WARN_SHARE,
  calendar?: WorkingCalendar,
): Date {
  if (!(share >= 0 && share <= 1)) throw new RangeError(`share must be in [0, 1], got ${share}`)
  if (!calendar) return new Date(start.getTime() + (deadline.getTime() - start.getTime()) * share)
  const total = calendar.workingMinutesBetween(start, deadline)
  return total <= 0 ? deadline : calendar.addWorkingMinutes(start, total * share)
}

/** A step's limit as stored with the step: computed once, so a status check needs no calendar. */
export interface LimitWindow {
  startedAt: Date
  dueAt: Date
  warnAt: Date
}

export function limitWindow(
  limit: TimeLimit,
  start: Date,
  calendar: WorkingCalendar,
  share = DEFAULT_WARN_SHARE,
): LimitWindow {
  const dueAt = deadlineFor(limit, start, calendar)
  const warn = warnAt(start, dueAt, share, limit.basis === 'working' ? calendar : undefined)
  return { startedAt: start, dueAt, warnAt: warn }
}

export type LimitStatus = 'ok' | 'at_risk' | 'breached'

/**
 * Where `now` stands against a limit: from a stored window, or from start and deadline with the
 * share measured in elapsed time (right for the calendar basis, an approximation otherwise).
 */
export function limitStatus(now: Date, window: Pick<LimitWindow, 'dueAt' | 'warnAt'>): LimitStatus
export function limitStatus(now: Date, start: Date, deadline: Date, share?: number): LimitStatus
export function limitStatus(
  now: Date,
  windowOrStart: Pick<LimitWindow, 'dueAt' | 'warnAt'> | Date,
  deadline?: Date,
  share = DEFAULT_WARN_SHARE,
): LimitStatus {
  const window =
    windowOrStart instanceof Date
      ? { dueAt: required(deadline), warnAt: warnAt(windowOrStart, required(deadline), share) }
      : windowOrStart
  if (now.getTime() >= window.dueAt.getTime()) return 'breached'
  return now.getTime() >= window.warnAt.getTime() ? 'at_risk' : 'ok'
}

/**
 * True once `at` is past the warning point (or the deadline): the callback scheduler asks this
 * of a planned retry time and, if so, rings at the first decent moment instead.
 */
export function isLimitAtRisk(at: Date, window: Pick<LimitWindow, 'dueAt' | 'warnAt'>): boolean
export function isLimitAtRisk(at: Date, start: Date, deadline: Date, share?: number): boolean
export function isLimitAtRisk(
  at: Date,
  windowOrStart: Pick<LimitWindow, 'dueAt' | 'warnAt'> | Date,
  deadline?: Date,
  share?: number,
): boolean {
  const status =
    windowOrStart instanceof Date
      ? limitStatus(at, windowOrStart, required(deadline), share)
      : limitStatus(at, windowOrStart)
  return status !== 'ok'
}

function required(deadline: Date | undefined): Date {
  if (!deadline) throw new TypeError('limitStatus(now, start, deadline): deadline is missing')
  return deadline
}
