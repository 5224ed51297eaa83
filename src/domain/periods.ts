/**
 * Reporting periods for the rates: ISO weeks (Monday start) and calendar months, as half-open
 * ranges [from, to) of instants, cut at local midnight in the deployment's time zone. A case
 * closed at 23:59 Shanghai time on 30 November belongs to November even though it is still the
 * 30th in UTC for eight more hours; one closed at 00:00 on 1 December belongs to December.
 */
import { DateTime } from 'luxon'

import { assertTimeZone } from './calendar/local-time.ts'

export type PeriodKind = 'day' | 'week' | 'month'

export interface Period {
  kind: PeriodKind
  /** Inclusive. */
  from: Date
  /** Exclusive. */
  to: Date
  /** '2026-W48' or '2026-11' (or '2026-11-05' where a day is allowed). */
  label: string
}

const MONTH_LABEL = /^(\d{4})-(0[1-9]|1[0-2])$/
const WEEK_LABEL = /^(\d{4})-W(\d{2})$/
const DAY_LABEL = /^(\d{4})-(0[1-9]|1[0-2])-(\d{2})$/

export const PERIOD_LABEL_HINT = "a month like '2026-11' or an ISO week like '2026-W48'"
export const PERIOD_OR_DAY_HINT =
  "a month like '2026-11', an ISO week like '2026-W48' or a day like '2026-11-05'"

/** The week or month that contains `at`, by the wall clock in `timeZone`. */
export function periodOf(kind: PeriodKind, at: Date, timeZone: string): Period {
  assertTimeZone(timeZone)
  const start = DateTime.fromJSDate(at, { zone: timeZone }).startOf(kind)
  return fromStart(kind, start)
}

/**
 * The period a label names; throws a RangeError saying what a label looks like otherwise. A single
 * local day ('2026-11-05') only with `allowDay` (the live board's "today"): the weekly and monthly
 * rates stay weekly and monthly.
 */
export function parsePeriod(
  label: string,
  timeZone: string,
  opts: { allowDay?: boolean } = {},
): Period {
  assertTimeZone(timeZone)
  const hint = opts.allowDay ? PERIOD_OR_DAY_HINT : PERIOD_LABEL_HINT
  if (Number(label.slice(0, 4)) < 1970) {
    throw new RangeError(`period must be ${hint} from 1970 on, got ${JSON.stringify(label)}`)
  }
  const day = opts.allowDay ? DAY_LABEL.exec(label) : null
  if (day) {
    const start = DateTime.fromObject(
      { year: Number(day[1]), month: Number(day[2]), day: Number(day[3]) },
      { zone: timeZone },
    )
    // luxon refuses 30 February (invalid) rather than rolling it over: say so.
    if (!start.isValid) throw new RangeError(`${label} is not a date; expected ${hint}`)
    return fromStart('day', start)
  }
  const month = MONTH_LABEL.exec(label)
  if (month) {
    const start = DateTime.fromObject(
      { year: Number(month[1]), month: Number(month[2]), day: 1 },
      { zone: timeZone },
    )
    return fromStart('month', start)
  }
  const week = WEEK_LABEL.exec(label)
  if (week) {
    const weekYear = Number(week[1])
    const weekNumber = Number(week[2])
    const start = DateTime.fromObject({ weekYear, weekNumber, weekday: 1 }, { zone: timeZone })
    // luxon rolls week 53 of a 52-week year over into the next year: refuse it instead.
    if (!start.isValid || weekNumber < 1 || start.weekYear !== weekYear) {
      throw new RangeError(`${weekYear} has no ISO week ${weekNumber}; expected ${hint}`)
    }
    return fromStart('week', start)
  }
  throw new RangeError(`period must be ${hint}, got ${JSON.stringify(label)}`)
}

/** The first day of a month period as an ISO date ('2026-11-01'), as quality_samples keeps it. */
export function monthStartDate(period: Period): string {
  if (period.kind !== 'month') throw new RangeError(`${period.label} is not a month`)
  return `${period.label}-01`
}

function fromStart(kind: PeriodKind, start: DateTime): Period {
  if (!start.isValid) throw new RangeError(`not a valid period start: ${start.invalidExplanation}`)
  const end = start.plus(
    kind === 'day' ? { days: 1 } : kind === 'week' ? { weeks: 1 } : { months: 1 },
  )
  const label =
    kind === 'week'
      ? `${start.weekYear}-W${String(start.weekNumber).padStart(2, '0')}`
      : start.toFormat(kind === 'day' ? 'yyyy-MM-dd' : 'yyyy-MM')
  return { kind, from: start.toJSDate(), to: end.toJSDate(), label }
}
