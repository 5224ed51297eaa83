/**
 * Wall-clock helpers in a named IANA zone. Everything goes through luxon with an explicit zone,
 * never the process's own zone, so the server's TZ setting cannot move a deadline. Dates are
 * ISO strings ('2026-10-01'); times of day are 'HH:mm' ('24:00' allowed as an end).
 */
import { DateTime, IANAZone } from 'luxon'

const CLOCK_TIME = /^(?:([01]\d|2[0-3]):([0-5]\d)|24:00)$/
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/

export const MINUTES_PER_DAY = 24 * 60

/**
 * Keeps the answers of a pure date function for the keys in use. Every clock asks for the same
 * few days (today, the next working days) over and over, and luxon builds a DateTime and asks
 * Intl for the zone's offset each time: a twentieth of a web instance's CPU in a busy day. The
 * answers cannot change while the process runs (the zone database is fixed), so the map is only
 * bounded, emptied when full.
 */
function memo<R>(fn: (key: string) => R, limit = 4096): (key: string) => R {
  const known = new Map<string, R>()
  return (key) => {
    const hit = known.get(key)
    if (hit !== undefined || known.has(key)) return hit as R
    const value = fn(key)
    if (known.size >= limit) known.clear()
    known.set(key, value)
    return value
  }
}

export interface TimeRange {
  /** 'HH:mm', inclusive. */
  start: string
  /** 'HH:mm', exclusive; '24:00' means midnight at the end of the day. */
  end: string
}

const isTimeZone = memo((timeZone) => IANAZone.isValidZone(timeZone), 64)

export function assertTimeZone(timeZone: string, what = 'timeZone'): void {
  if (!isTimeZone(timeZone)) {
    throw new RangeError(
      `${what} must be an IANA zone name such as Asia/Shanghai, got ${JSON.stringify(timeZone)}`,
    )
  }
}

const isIsoDate = memo(
  (date) => ISO_DATE.test(date) && DateTime.fromISO(date, { zone: 'utc' }).isValid,
)

export function assertIsoDate(date: string, what = 'date'): void {
  if (!isIsoDate(date)) {
    throw new RangeError(`${what} must be a date as YYYY-MM-DD, got ${JSON.stringify(date)}`)
  }
}

/** 'HH:mm' → minutes after local midnight. */
export function parseClockTime(value: string, what: string): number {
  const match = CLOCK_TIME.exec(value)
  if (!match) {
    throw new RangeError(
      `${what} must be a time of day as HH:mm (for example 09:00), got ${JSON.stringify(value)}`,
    )
  }
  return match[1] === undefined ? MINUTES_PER_DAY : Number(match[1]) * 60 + Number(match[2])
}

/** A range as minutes after midnight, checked to run forwards within one day. */
export function parseTimeRange(range: TimeRange, what: string): { start: number; end: number } {
  const start = parseClockTime(range.start, `${what}.start`)
  const end = parseClockTime(range.end, `${what}.end`)
  if (start >= end) {
    throw new RangeError(
      `${what} must end after it starts on the same day, got ${range.start}–${range.end}`,
    )
  }
  return { start, end }
}

/** The local date of an instant. */
export function localDate(at: Date, timeZone: string): string {
  return DateTime.fromJSDate(at, { zone: timeZone }).toISODate() ?? invalid(at)
}

/** Minutes since local midnight by the wall clock (09:30 → 570), seconds included as fractions. */
export function localMinuteOfDay(at: Date, timeZone: string): number {
  const t = DateTime.fromJSDate(at, { zone: timeZone })
  return t.hour * 60 + t.minute + t.second / 60 + t.millisecond / 60_000
}

const nextDay = memo(
  (date) => DateTime.fromISO(date, { zone: 'utc' }).plus({ days: 1 }).toISODate() ?? invalid(date),
)

export function addDays(date: string, days: number): string {
  if (days === 1) return nextDay(date)
  return DateTime.fromISO(date, { zone: 'utc' }).plus({ days }).toISODate() ?? invalid(date)
}

/** ISO weekday of a date: 1 = Monday … 7 = Sunday. */
export const isoWeekday = memo((date) => DateTime.fromISO(date, { zone: 'utc' }).weekday)

/**
 * The instant a wall clock in `timeZone` shows `minuteOfDay` on `date`. Built from the wall
 * clock, not by adding minutes to midnight, so a DST change that day does not shift it; a time
 * inside a spring-forward gap moves to the first valid instant after it (luxon's rule).
 */
export function wallClock(date: string, minuteOfDay: number, timeZone: string): Date {
  return new Date(wallClockMs(`${date} ${minuteOfDay} ${timeZone}`))
}

const wallClockMs = memo((key) => {
  const [date = '', minute, timeZone] = key.split(' ')
  return wallClockOf(date, Number(minute), timeZone ?? '').getTime()
})

function wallClockOf(date: string, minuteOfDay: number, timeZone: string): Date {
  if (minuteOfDay >= MINUTES_PER_DAY) return wallClockOf(addDays(date, 1), 0, timeZone)
  const [year, month, day] = date.split('-').map(Number)
  const whole = Math.floor(minuteOfDay)
  const ms = Math.round((minuteOfDay - whole) * 60_000)
  return DateTime.fromObject(
    { year, month, day, hour: Math.floor(whole / 60), minute: whole % 60 },
    { zone: timeZone },
  )
    .plus({ milliseconds: ms })
    .toJSDate()
}

function invalid(value: unknown): never {
  throw new RangeError(`not a valid date or instant: ${String(value)}`)
}
