import { DateTime } from 'luxon'
import { describe, expect, it } from 'vitest'

import type { CallingHours } from '../../src/domain/calendar/calling-hours.ts'
import {
  DEFAULT_CALLING_HOURS,
  isWithinCallingHours,
  nextCallingMoment,
} from '../../src/domain/calendar/calling-hours.ts'
import { createWorkingCalendar } from '../../src/domain/calendar/working-calendar.ts'

const zone = 'Asia/Shanghai'
const sh = (local: string) => DateTime.fromSQL(local, { zone }).toJSDate()
const show = (at: Date, tz = zone) =>
  DateTime.fromJSDate(at, { zone: tz }).toFormat('yyyy-MM-dd HH:mm ccc')
const next = (local: string, hours: CallingHours = DEFAULT_CALLING_HOURS) =>
  show(nextCallingMoment(sh(local), hours, zone))

describe('calling hours (default 08:30–20:30, every day)', () => {
  it('moves 21:00 to 08:30 the next day and 07:00 to 08:30 the same day', () => {
    expect(next('2026-11-20 21:00')).toBe('2026-11-21 08:30 Sat')
    expect(next('2026-11-20 07:00')).toBe('2026-11-20 08:30 Fri')
    expect(next('2026-11-20 20:30')).toBe('2026-11-21 08:30 Sat')
  })

  it('leaves a moment inside the window unchanged, on holidays too', () => {
    const inside = sh('2026-10-01 08:30')
    expect(nextCallingMoment(inside, DEFAULT_CALLING_HOURS, zone)).toBe(inside)
    expect(isWithinCallingHours(sh('2026-10-01 20:29'), DEFAULT_CALLING_HOURS, zone)).toBe(true)
    expect(isWithinCallingHours(sh('2026-10-01 20:30'), DEFAULT_CALLING_HOURS, zone)).toBe(false)
    expect(isWithinCallingHours(sh('2026-10-01 08:29'), DEFAULT_CALLING_HOURS, zone)).toBe(false)
  })

  it("uses the caller's time zone", () => {
    // 16:00 in Shanghai is 08:00 in London: half an hour early there.
    const at = sh('2026-11-20 16:00')
    const london = nextCallingMoment(at, DEFAULT_CALLING_HOURS, 'Europe/London')
    expect(show(london, 'Europe/London')).toBe('2026-11-20 08:30 Fri')
  })
})

describe("calling hours on 'working_days'", () => {
  const calendar = createWorkingCalendar({ timeZone: zone })
  const hours: CallingHours = { ...DEFAULT_CALLING_HOURS, daysAllowed: 'working_days' }

  it('skips weekends and public holidays, and rings on make-up workdays', () => {
    const after = (local: string) => show(nextCallingMoment(sh(local), hours, zone, calendar))
    expect(after('2026-11-21 10:00')).toBe('2026-11-23 08:30 Mon')
    expect(after('2026-09-30 21:00')).toBe('2026-10-08 08:30 Thu')
    expect(after('2026-10-09 21:00')).toBe('2026-10-10 08:30 Sat')
  })

  it('needs the calendar to know which days those are', () => {
    expect(() => nextCallingMoment(sh('2026-11-21 10:00'), hours, zone)).toThrow(/calendar/)
  })
})

it('rejects bad calling hours and zones', () => {
  const at = sh('2026-11-20 10:00')
  const bad = { start: '20:30', end: '08:30', daysAllowed: 'every_day' } as const
  expect(() => nextCallingMoment(at, bad, zone)).toThrow(/end after/)
  expect(() => nextCallingMoment(at, DEFAULT_CALLING_HOURS, 'GMT+8')).toThrow(/IANA/)
})
