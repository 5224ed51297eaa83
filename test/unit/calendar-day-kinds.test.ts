import { describe, expect, it } from 'vitest'

import { calendarDays, estimatedYears } from '../../src/domain/calendar/day-kinds.ts'
import { createWorkingCalendar } from '../../src/domain/calendar/working-calendar.ts'

const cal = createWorkingCalendar({
  timeZone: 'Asia/Shanghai',
  overrides: [
    { date: '2026-09-19', kind: 'workday', note: 'open day' },
    { date: '2026-09-21', kind: 'holiday' },
  ],
})

describe('calendarDays', () => {
  it("names each day's kind and what decided it", () => {
    expect(
      calendarDays(cal, '2026-09-18', '2026-09-21').map((d) => [d.date, d.kind, d.source]),
    ).toEqual([
      ['2026-09-18', 'workday', 'weekly_rule'],
      ['2026-09-19', 'workday', 'override'], // a Saturday, by an administrator
      ['2026-09-20', 'make-up', 'official'], // a Sunday worked for National Day
      ['2026-09-21', 'holiday', 'override'],
    ])
    expect(calendarDays(cal, '2026-09-19', '2026-09-19')[0]?.name).toBe('open day')
  })

  it('refuses a backwards or overlong range', () => {
    expect(() => calendarDays(cal, '2026-09-21', '2026-09-18')).toThrow(/before from/)
    expect(() => calendarDays(cal, '2026-01-01', '2027-01-02')).toThrow(/at most 366 days/)
    expect(calendarDays(cal, '2028-01-01', '2028-12-31')).toHaveLength(366)
    expect(() => calendarDays(cal, '2026-02-30', '2026-03-01')).toThrow(/YYYY-MM-DD/)
  })

  it('lists the years whose holidays are estimated: no official arrangement yet', () => {
    expect(estimatedYears(cal, '2026-12-01', '2028-01-01')).toEqual([2027, 2028])
    expect(estimatedYears(cal, '2026-01-01', '2026-12-31')).toEqual([])
    const none = createWorkingCalendar({ timeZone: 'Asia/Shanghai', publicHolidays: 'none' })
    expect(estimatedYears(none, '2027-01-01', '2027-12-31')).toEqual([])
  })

  it("says where an official day comes from: chinese-days' data", () => {
    expect(calendarDays(cal, '2026-10-01', '2026-10-01')[0]).toEqual({
      date: '2026-10-01',
      kind: 'holiday',
      working: false,
      source: 'official',
      name: '国庆节 National Day',
      origin: 'chinese-days',
    })
  })
})
