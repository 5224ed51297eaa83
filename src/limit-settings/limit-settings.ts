import type { Db } from '../db/database.ts'
import type {
  WorkingCalendar,
  WorkingCalendarOptions,
} from '../domain/calendar/working-calendar.ts'
import { createWorkingCalendar } from '../domain/calendar/working-calendar.ts'
import type { TimeLimitPolicy } from '../domain/time-limits.ts'
import { DEFAULT_POLICIES } from '../domain/time-limits.ts'
import { coerceError } from '../errors.ts'
import type { Logger } from '../logger.ts'
import type { StoredOverride } from './calendar-overrides.repository.ts'
import { listCalendarOverrides } from './calendar-overrides.repository.ts'
import type { StoredYear } from './calendar-years.repository.ts'
import { listCalendarYears } from './calendar-years.repository.ts'
import { listPolicies } from './policies.repository.ts'

/** The time limits and calendar in force, as last read from Postgres. */
export interface LimitSnapshot {
  policies: readonly TimeLimitPolicy[]
  overrides: readonly StoredOverride[]
  /** Official years an administrator imported. */
  years: readonly StoredYear[]
  calendar: WorkingCalendar
  /** False until the first load: the code defaults and no overrides, which is what the
   *  migration seeds, so only a deployment that has edited them could tell the difference. */
  loaded: boolean
}

/**
 * Policies, calendar overrides and imported calendar years are read on every case and every
 * working-time sum, and change a few times a year: they are held in memory and read
 * synchronously, so a webhook's transaction never waits for them (nor for a pool connection to
 * fetch them). This process
 * reloads them after its own changes; other instances reload them in the background once a read
 * finds them older than `refreshMs`, so an administrator's change is live everywhere within
 * about that long.
 */
export interface LimitSettings {
  policies(): readonly TimeLimitPolicy[]
  /** Always answers with the overrides last loaded; hand it out once, it stays current. */
  readonly calendar: WorkingCalendar
  /** Reads them all from Postgres now and puts them in force. */
  load(): Promise<LimitSnapshot>
}

export const LIMIT_SETTINGS_REFRESH_MS = 30_000

export function makeLimitSettings(o: {
  db: Db
  logger: Logger
  /** Everything about the calendar but the administrators' overrides and imported years. */
  calendar: Omit<WorkingCalendarOptions, 'overrides' | 'officialYears'>
  refreshMs?: number
  now?: () => number
}): LimitSettings {
  const now = o.now ?? Date.now
  const refreshMs = o.refreshMs ?? LIMIT_SETTINGS_REFRESH_MS
  let current: LimitSnapshot = {
    policies: DEFAULT_POLICIES,
    overrides: [],
    years: [],
    calendar: createWorkingCalendar({ ...o.calendar, overrides: [] }),
    loaded: false,
  }
  let lastAttemptAt = Number.NEGATIVE_INFINITY
  // Loads finish in any order; the one started last wins, so a reload started after a change
  // is never overwritten by an older one still in flight.
  let started = 0
  let applied = 0

  async function load(): Promise<LimitSnapshot> {
    const mine = ++started
    lastAttemptAt = now()
    const policies = await listPolicies(o.db)
    const overrides = await listCalendarOverrides(o.db)
    const years = await listCalendarYears(o.db)
    const next: LimitSnapshot = {
      policies: Object.freeze(policies),
      overrides: Object.freeze(overrides),
      years: Object.freeze(years),
      calendar: createWorkingCalendar({ ...o.calendar, overrides, officialYears: years }),
      loaded: true,
    }
    if (mine > applied) {
      applied = mine
      current = next
    }
    return next
  }

  function fresh(): LimitSnapshot {
    if (now() - lastAttemptAt > refreshMs) {
      load().catch((e: unknown) =>
        o.logger.warn(
          { err: coerceError(e) },
          'could not reload time limits and the calendar; keeping the ones in force',
        ),
      )
    }
    return current
  }

  const cal = () => fresh().calendar
  const calendar: WorkingCalendar = {
    timeZone: current.calendar.timeZone,
    describeDay: (date) => cal().describeDay(date),
    isWorkingDay: (date) => cal().isWorkingDay(date),
    yearsCovered: () => cal().yearsCovered(),
    coversYear: (year) => cal().coversYear(year),
    yearSource: (year) => cal().yearSource(year),
    workingMinutesPerDay: current.calendar.workingMinutesPerDay,
    isWorkingTime: (at) => cal().isWorkingTime(at),
    nextWorkingTime: (at) => cal().nextWorkingTime(at),
    addWorkingMinutes: (start, minutes) => cal().addWorkingMinutes(start, minutes),
    addWorkingDays: (start, days) => cal().addWorkingDays(start, days),
    endOfWorkingDay: (at) => cal().endOfWorkingDay(at),
    workingMinutesBetween: (a, b) => cal().workingMinutesBetween(a, b),
  }

  return { policies: () => fresh().policies, calendar, load }
}
