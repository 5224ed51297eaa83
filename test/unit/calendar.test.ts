import { DateTime } from 'luxon'
import { describe, expect, it } from 'vitest'

import { createWorkingCalendar } from '../../src/domain/calendar/working-calendar.ts'

const zone = 'Asia/Shanghai'
const cal = createWorkingCalendar({ timeZone: zone })
/** An instant from Shanghai wall-clock time, '2026-11-20 19:00'. */
const sh = (local: string) => DateTime.fromSQL(local, { zone }).toJSDate()
/** An instant as Shanghai wall-clock time with the weekday, for readable assertions. */
const show = (at: Date) => DateTime.fromJSDate(at, { zone }).toFormat('yyyy-MM-dd HH:mm ccc')

describe('working days from chinese-days (Asia/Shanghai)', () => {
  it('works on weekdays and rests at weekends', () => {
    expect(cal.describeDay('2026-11-20')).toEqual({
      date: '2026-11-20',
      working: true,
      reason: 'weekday',
    })
    expect(cal.isWorkingDay('2026-11-21')).toBe(false)
    expect(cal.isWorkingDay('2026-11-22')).toBe(false)
  })

  it('rests through National Day 2026 (Oct 1–7) and works the make-up Sunday and Saturday', () => {
    for (let d = 1; d <= 7; d++) {
      expect(cal.describeDay(`2026-10-0${d}`)).toMatchObject({
        working: false,
        reason: 'public_holiday',
        name: '国庆节 National Day',
      })
    }
    expect(cal.describeDay('2026-09-20')).toMatchObject({
      working: true,
      reason: 'make_up_workday',
    })
    expect(cal.describeDay('2026-10-10')).toMatchObject({
      working: true,
      reason: 'make_up_workday',
    })
    expect(cal.isWorkingDay('2026-10-11')).toBe(false)
  })

  it('works Saturday 2026-02-14, the Spring Festival make-up day, then rests Feb 15–23', () => {
    expect(cal.describeDay('2026-02-14')).toMatchObject({
      working: true,
      reason: 'make_up_workday',
      name: '春节 Spring Festival',
    })
    expect(cal.isWorkingDay('2026-02-16')).toBe(false)
    expect(cal.isWorkingDay('2026-02-23')).toBe(false)
    expect(cal.isWorkingDay('2026-02-24')).toBe(true)
  })

  it('lets administrator overrides win over weekends and the published arrangement', () => {
    const c = createWorkingCalendar({
      timeZone: zone,
      overrides: [
        { date: '2026-11-24', kind: 'holiday', note: 'company outing' },
        { date: '2026-11-21', kind: 'workday' },
        { date: '2026-10-10', kind: 'holiday' },
        { date: '2026-10-05', kind: 'workday' },
      ],
    })
    expect(c.describeDay('2026-11-24')).toEqual({
      date: '2026-11-24',
      working: false,
      reason: 'override',
      name: 'company outing',
    })
    expect(c.isWorkingDay('2026-11-21')).toBe(true)
    expect(c.isWorkingDay('2026-10-10')).toBe(false)
    expect(c.isWorkingDay('2026-10-05')).toBe(true)
    expect(show(c.addWorkingDays(sh('2026-11-20 19:00'), 1))).toBe('2026-11-21 18:00 Sat')
    expect(show(c.addWorkingDays(sh('2026-11-23 14:00'), 1))).toBe('2026-11-25 14:00 Wed')
  })

  it('reports the years chinese-days 1.5.7 covers: 2004–2026, not 2027 yet', () => {
    const years = cal.yearsCovered()
    expect(years[0]).toBe(2004)
    expect(years.at(-1)).toBe(2026)
    expect(years).toHaveLength(2026 - 2004 + 1)
    expect(cal.coversYear(2026)).toBe(true)
    expect(cal.coversYear(2027)).toBe(false)
  })

  it('estimates the statutory holidays of an uncovered year; overrides still win', () => {
    // 2027-10-01 is a Friday: a statutory holiday (National Day), estimated.
    expect(cal.describeDay('2027-10-01')).toMatchObject({
      working: false,
      reason: 'estimated_holiday',
    })
    // 2027-10-04, a Monday: the notice will probably make it a holiday too; no estimate does.
    expect(cal.isWorkingDay('2027-10-04')).toBe(true)
    expect(cal.yearSource(2027)).toBe('estimated')
    const c = createWorkingCalendar({
      timeZone: zone,
      overrides: [{ date: '2027-10-01', kind: 'workday', note: 'open for the festival' }],
    })
    expect(c.isWorkingDay('2027-10-01')).toBe(true)
    expect(c.coversYear(2027)).toBe(false)
  })

  it('can ignore public holidays altogether', () => {
    const c = createWorkingCalendar({ timeZone: zone, publicHolidays: 'none' })
    expect(c.isWorkingDay('2026-10-01')).toBe(true)
    expect(c.isWorkingDay('2026-10-10')).toBe(false)
    expect(c.yearsCovered()).toEqual([])
  })

  it('rejects configuration it cannot use, saying what to write instead', () => {
    expect(() => createWorkingCalendar({ timeZone: 'China' })).toThrow(/IANA zone/)
    const bad = (over: object) => () => createWorkingCalendar({ timeZone: zone, ...over })
    expect(bad({ workingHours: { start: '9:00', end: '18:00' } })).toThrow(/HH:mm/)
    expect(bad({ workingHours: { start: '18:00', end: '09:00' } })).toThrow(/end after/)
    expect(bad({ breaks: [{ start: '08:00', end: '10:00' }] })).toThrow(/inside workingHours/)
    expect(bad({ weekendDays: [0, 6] })).toThrow(/ISO weekdays/)
    expect(bad({ weekendDays: [1, 2, 3, 4, 5, 6, 7] })).toThrow(/whole week/)
    expect(bad({ overrides: [{ date: '2026-13-01', kind: 'holiday' }] })).toThrow(/YYYY-MM-DD/)
    const twice = [
      { date: '2026-11-24', kind: 'holiday' },
      { date: '2026-11-24', kind: 'workday' },
    ]
    expect(bad({ overrides: twice })).toThrow(/both holiday and workday/)
    expect(() => cal.isWorkingDay('20261001')).toThrow(/YYYY-MM-DD/)
  })
})
