import { DateTime } from 'luxon'
import { describe, expect, it } from 'vitest'

import { createWorkingCalendar } from '../../src/domain/calendar/working-calendar.ts'

const zone = 'Asia/Shanghai'
const cal = createWorkingCalendar({ timeZone: zone }) // 09:00–18:00
const lunch = createWorkingCalendar({ timeZone: zone, breaks: [{ start: '12:00', end: '13:00' }] })
const sh = (local: string) => DateTime.fromSQL(local, { zone }).toJSDate()
const show = (at: Date) => DateTime.fromJSDate(at, { zone }).toFormat('yyyy-MM-dd HH:mm ccc')

describe('working time', () => {
  it('is [09:00, 18:00) on working days, without the lunch break', () => {
    expect(cal.isWorkingTime(sh('2026-11-20 09:00'))).toBe(true)
    expect(cal.isWorkingTime(sh('2026-11-20 17:59'))).toBe(true)
    expect(cal.isWorkingTime(sh('2026-11-20 18:00'))).toBe(false)
    expect(cal.isWorkingTime(sh('2026-11-21 10:00'))).toBe(false) // Saturday
    expect(lunch.isWorkingTime(sh('2026-11-20 12:30'))).toBe(false)
    expect(show(lunch.nextWorkingTime(sh('2026-11-20 12:30')))).toBe('2026-11-20 13:00 Fri')
  })
})

describe('addWorkingMinutes', () => {
  it('carries half a working day from 16:00 over to the next morning', () => {
    expect(show(cal.addWorkingMinutes(sh('2026-11-19 16:00'), 240))).toBe('2026-11-20 11:00 Fri')
    expect(show(lunch.addWorkingMinutes(sh('2026-11-19 16:00'), 330))).toBe('2026-11-20 13:30 Fri')
  })

  it('ends at closing time rather than the next morning when the minutes fit exactly', () => {
    expect(show(cal.addWorkingMinutes(sh('2026-11-20 16:00'), 120))).toBe('2026-11-20 18:00 Fri')
  })

  it('starts counting at the next working moment and skips weekends and holidays', () => {
    expect(show(cal.addWorkingMinutes(sh('2026-11-21 10:00'), 60))).toBe('2026-11-23 10:00 Mon')
    expect(show(cal.addWorkingMinutes(sh('2026-09-30 17:00'), 120))).toBe('2026-10-08 10:00 Thu')
  })

  it('adds nothing for zero and refuses negative or non-finite minutes', () => {
    const start = sh('2026-11-21 10:00')
    expect(cal.addWorkingMinutes(start, 0)).toEqual(start)
    expect(() => cal.addWorkingMinutes(start, -1)).toThrow(/≥ 0/)
    expect(() => cal.addWorkingMinutes(start, Number.NaN)).toThrow(/finite/)
  })
})

describe('addWorkingDays', () => {
  it('keeps the time of day from a start inside working hours', () => {
    expect(show(cal.addWorkingDays(sh('2026-11-20 14:00'), 1))).toBe('2026-11-23 14:00 Mon')
    expect(show(lunch.addWorkingDays(sh('2026-11-20 12:30'), 1))).toBe('2026-11-23 12:30 Mon')
  })

  it('gives a Friday-evening call the whole of Monday', () => {
    expect(show(cal.addWorkingDays(sh('2026-11-20 19:00'), 1))).toBe('2026-11-23 18:00 Mon')
    expect(show(cal.addWorkingDays(sh('2026-11-24 07:00'), 1))).toBe('2026-11-24 18:00 Tue')
    expect(show(cal.addWorkingDays(sh('2026-11-20 19:00'), 2))).toBe('2026-11-24 18:00 Tue')
  })

  it('skips National Day 2026 and counts the make-up Saturday Oct 10', () => {
    const start = sh('2026-09-30 10:00')
    expect(show(cal.addWorkingDays(start, 1))).toBe('2026-10-08 10:00 Thu')
    expect(show(cal.addWorkingDays(start, 3))).toBe('2026-10-10 10:00 Sat')
    expect(show(cal.addWorkingDays(start, 4))).toBe('2026-10-12 10:00 Mon')
    expect(show(cal.addWorkingDays(sh('2026-09-19 10:00'), 1))).toBe('2026-09-20 18:00 Sun')
  })

  it('counts from the Spring Festival make-up Saturday 2026-02-14 as from any working day', () => {
    expect(show(cal.addWorkingDays(sh('2026-02-14 10:00'), 1))).toBe('2026-02-24 10:00 Tue')
  })

  it('takes whole days only', () => {
    expect(() => cal.addWorkingDays(sh('2026-11-20 10:00'), 0.5)).toThrow(/minutes for less/)
  })
})

describe('endOfWorkingDay', () => {
  it('is closing time today, or on the next working day after hours', () => {
    expect(show(cal.endOfWorkingDay(sh('2026-11-20 10:00')))).toBe('2026-11-20 18:00 Fri')
    expect(show(cal.endOfWorkingDay(sh('2026-11-20 19:00')))).toBe('2026-11-23 18:00 Mon')
    expect(show(cal.endOfWorkingDay(sh('2026-10-03 11:00')))).toBe('2026-10-08 18:00 Thu')
  })
})

describe('workingMinutesBetween', () => {
  it('counts only working time, negative when reversed', () => {
    const a = sh('2026-11-20 17:00')
    const b = sh('2026-11-23 10:00')
    expect(cal.workingMinutesBetween(a, b)).toBe(120)
    expect(cal.workingMinutesBetween(b, a)).toBe(-120)
    expect(cal.workingMinutesBetween(sh('2026-09-30 17:00'), sh('2026-10-08 10:00'))).toBe(120)
    expect(lunch.workingMinutesBetween(sh('2026-11-20 11:00'), sh('2026-11-20 14:00'))).toBe(120)
  })
})

describe('across a DST change (America/New_York, 2026-03-08)', () => {
  const ny = createWorkingCalendar({ timeZone: 'America/New_York', publicHolidays: 'none' })
  const at = (local: string) => DateTime.fromSQL(local, { zone: 'America/New_York' }).toJSDate()

  it('keeps wall-clock working hours and counts working minutes, not clock shifts', () => {
    const monday = ny.addWorkingDays(at('2026-03-06 10:00'), 1)
    expect(monday.toISOString()).toBe('2026-03-09T14:00:00.000Z') // 10:00 EDT
    expect(ny.workingMinutesBetween(at('2026-03-06 17:00'), at('2026-03-09 10:00'))).toBe(120)
    expect(ny.addWorkingMinutes(at('2026-03-06 17:00'), 120).toISOString()).toBe(
      '2026-03-09T14:00:00.000Z',
    )
  })
})
