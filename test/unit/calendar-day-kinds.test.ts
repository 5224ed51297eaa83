import { describe, expect, it } from 'vitest'

import { calendarDays, unpublishedYears } from '../../src/domain/calendar/day-kinds.ts'
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
      ['2026-09-20', 'make-up', 'public_calendar'], // a Sunday worked for National Day
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

  it('lists the years without a published arrangement', () => {
    expect(unpublishedYears(cal, '2026-12-01', '2028-01-01')).toEqual([2027, 2028])
    expect(unpublishedYears(cal, '2026-01-01', '2026-12-31')).toEqual([])
  })
})
