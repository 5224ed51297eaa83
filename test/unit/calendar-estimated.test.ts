import published from 'chinese-days/dist/chinese-days.json' with { type: 'json' }
import { DateTime } from 'luxon'
import { describe, expect, it } from 'vitest'

import { calendarWarnings } from '../../src/domain/calendar/calendar-warnings.ts'
import { calendarDays } from '../../src/domain/calendar/day-kinds.ts'
import { statutoryHolidays } from '../../src/domain/calendar/statutory-holidays.ts'
import { createWorkingCalendar } from '../../src/domain/calendar/working-calendar.ts'
import { deadlineFor } from '../../src/domain/time-limits.ts'

const zone = 'Asia/Shanghai'
const cal = createWorkingCalendar({ timeZone: zone })
const sh = (local: string) => DateTime.fromSQL(local, { zone }).toJSDate()
const show = (at: Date) => DateTime.fromJSDate(at, { zone }).toFormat('yyyy-MM-dd HH:mm ccc')
const dates = (year: number) => statutoryHolidays(year).map((d) => d.date)

describe('statutoryHolidays: the 2025 rules', () => {
  it('gives 2027 its 13 statutory days', () => {
    // 2027: lunar new year (正月初一) is Sat 6 Feb, so the eve (腊月廿九, the 12th month has
    // 29 days) is Fri 5 Feb; 清明 falls on 5 April; 端午 (5th of the 5th month) on 9 June;
    // 中秋 (15th of the 8th month) on 15 September. 1 + 4 + 1 + 2 + 1 + 1 + 3 = 13 days.
    expect(dates(2027)).toEqual([
      '2027-01-01',
      '2027-02-05',
      '2027-02-06',
      '2027-02-07',
      '2027-02-08',
      '2027-04-05',
      '2027-05-01',
      '2027-05-02',
      '2027-06-09',
      '2027-09-15',
      '2027-10-01',
      '2027-10-02',
      '2027-10-03',
    ])
    expect(statutoryHolidays(2027)[1]).toEqual({
      date: '2027-02-05',
      nameEn: 'Spring Festival',
      nameZh: '春节',
    })
  })

  it('gives 2028 its days: the eve is 25 January, 初一 the 26th', () => {
    // 2028: 正月初一 is Wed 26 Jan, so the eve (腊月廿九 of lunar 2027) is Tue 25 Jan and the
    // festival runs 25–28 Jan; 清明 4 April; 端午 28 May; 中秋 3 October, inside National Day:
    // one date for two festivals, so 12 days, not 13.
    expect(dates(2028)).toEqual([
      '2028-01-01',
      '2028-01-25',
      '2028-01-26',
      '2028-01-27',
      '2028-01-28',
      '2028-04-04',
      '2028-05-01',
      '2028-05-02',
      '2028-05-28',
      '2028-10-01',
      '2028-10-02',
      '2028-10-03',
    ])
    expect(statutoryHolidays(2028).find((d) => d.date === '2028-10-03')?.nameEn).toBe(
      'Mid-autumn Festival',
    )
  })

  it('are all in the published arrangement of every year chinese-days has since 2008', () => {
    // Checked per rule version: 2008–2013 the eve, 初一, 初二; 2014–2024 初一–初三 and one
    // Labour Day; from 2025 the eve and 初一–初三, and 1–2 May. A statutory day missing from a
    // published year would mean a wrong lunar date or solar term, or a wrong rule.
    // One known gap in chinese-days itself: the 2012 notice gave 22–24 June for 端午, and the
    // package lists the 22nd and 24th but not Saturday the 23rd, the festival day itself.
    const holidays = new Set([...Object.keys(published.holidays), '2012-06-23'])
    for (let year = 2008; year <= 2026; year++) {
      const missing = dates(year).filter((d) => !holidays.has(d))
      expect(missing, String(year)).toEqual([])
    }
    // The last three published years need no exception at all.
    for (const year of [2024, 2025, 2026]) {
      expect(dates(year).every((d) => d in published.holidays)).toBe(true)
    }
    // And the rule versions differ where they should: 2024's eve (9 Feb) was a working day.
    expect(dates(2024)).not.toContain('2024-02-09')
    expect(dates(2025)).toContain('2025-01-28')
    expect(dates(2013)).toContain('2013-02-09')
  })

  it('refuses years outside what it can derive', () => {
    expect(() => statutoryHolidays(2007)).toThrow(/2008/)
    expect(() => statutoryHolidays(2027.5)).toThrow(/2008/)
  })
})

describe('the calendar for a year nobody has published yet', () => {
  it('marks estimated holidays, on a weekend too, and adds no make-up workday', () => {
    const days = calendarDays(cal, '2027-02-04', '2027-02-09').map((d) => [
      d.date,
      d.kind,
      d.working,
      d.source,
    ])
    expect(days).toEqual([
      ['2027-02-04', 'workday', true, 'weekly_rule'],
      ['2027-02-05', 'holiday', false, 'estimated'], // Friday, the eve
      ['2027-02-06', 'holiday', false, 'estimated'], // Saturday, 初一
      ['2027-02-07', 'holiday', false, 'estimated'], // Sunday
      ['2027-02-08', 'holiday', false, 'estimated'], // Monday
      ['2027-02-09', 'workday', true, 'weekly_rule'],
    ])
    // No Saturday or Sunday of 2027 is worked: make-up days are the notice's alone.
    const year = calendarDays(cal, '2027-01-01', '2027-12-31')
    expect(year.filter((d) => d.kind === 'make-up')).toEqual([])
    expect(year.filter((d) => d.source === 'estimated')).toHaveLength(13)
  })

  it('makes 2027-01-01 a holiday: a 7-working-day limit from 24 December 2026 is due on 5 January', () => {
    // Thu 24 Dec 2026 10:00 + 7 working days: 25 (Fri), 28, 29, 30, 31 Dec, then 1 Jan is a
    // holiday (estimated) and 2–3 Jan a weekend, so 4 Jan (Mon) and 5 Jan (Tue): due Tue 5 Jan
    // 10:00. Without the estimate 1 January counted and it was due Mon 4 January.
    const sevenDays = { amount: 7, unit: 'days', basis: 'working' } as const
    expect(show(deadlineFor(sevenDays, sh('2026-12-24 10:00'), cal))).toBe('2027-01-05 10:00 Tue')
    const bare = createWorkingCalendar({ timeZone: zone, publicHolidays: 'none' })
    expect(show(deadlineFor(sevenDays, sh('2026-12-24 10:00'), bare))).toBe('2027-01-04 10:00 Mon')
  })
})

describe('an imported year', () => {
  const imported = createWorkingCalendar({
    timeZone: zone,
    officialYears: [
      {
        year: 2027,
        holidays: ['2027-01-01', '2027-02-05', '2027-02-06', '2027-02-07', '2027-02-08'],
        workdays: ['2027-02-20'],
        source: 'State Council notice (test)',
      },
      // An administrator's correction of a year chinese-days has: 1 October not a holiday.
      { year: 2026, holidays: ['2026-10-02'], workdays: [], source: 'correction' },
    ],
    overrides: [{ date: '2027-02-08', kind: 'workday', note: 'open anyway' }],
  })

  it('replaces the estimate whole, make-up days included; an override still wins', () => {
    expect(imported.yearSource(2027)).toBe('imported')
    expect(imported.coversYear(2027)).toBe(true)
    const day = (d: string) => calendarDays(imported, d, d)[0]
    expect(day('2027-02-05')).toMatchObject({
      kind: 'holiday',
      source: 'official',
      origin: 'State Council notice (test)',
    })
    expect(day('2027-02-20')).toMatchObject({ kind: 'make-up', working: true, source: 'official' })
    expect(day('2027-02-08')).toMatchObject({ kind: 'workday', source: 'override' })
    // National Day is not in this (partial) import: the import is the whole truth for 2027.
    expect(day('2027-10-01')).toMatchObject({ kind: 'workday', source: 'weekly_rule' })
  })

  it("beats chinese-days' data for a year both have", () => {
    expect(imported.yearSource(2026)).toBe('imported')
    expect(imported.isWorkingDay('2026-10-01')).toBe(true) // a Thursday, not imported
    expect(imported.describeDay('2026-10-02')).toMatchObject({ origin: 'correction' })
    expect(cal.yearSource(2026)).toBe('chinese-days')
  })

  it('refuses an arrangement with dates outside its year or in both lists', () => {
    const bad = (holidays: string[], workdays: string[]) => () =>
      createWorkingCalendar({
        timeZone: zone,
        officialYears: [{ year: 2027, holidays, workdays, source: 'x' }],
      })
    expect(bad(['2028-01-01'], [])).toThrow(/2028-01-01 is not in 2027/)
    expect(bad(['2027-02-07'], ['2027-02-07'])).toThrow(/both holidays and workdays/)
    expect(bad(['2027-02-30'], [])).toThrow(/not a real date/)
  })
})

describe('calendarWarnings', () => {
  it('names next year from 1 November while it is estimated, and the current year always', () => {
    // 5 Nov 2026: 2026 is published, 2027 only estimated.
    expect(calendarWarnings(cal, sh('2026-11-05 10:00'), zone)).toMatchObject([
      { code: 'calendar_estimated', year: 2027 },
    ])
    expect(calendarWarnings(cal, sh('2026-11-05 10:00'), zone)[0]?.message).toMatch(
      /PUT \/api\/admin\/calendar\/years\/2027/,
    )
    // 31 Oct 2026 23:59 in Shanghai (15:59 UTC): not yet November there.
    expect(calendarWarnings(cal, sh('2026-10-31 23:59'), zone)).toEqual([])
    // 1 Nov 00:00 in Shanghai, though still 31 October in UTC.
    expect(calendarWarnings(cal, sh('2026-11-01 00:00'), zone)).toHaveLength(1)
    // In 2027 itself, all year, while estimated; from November 2027, 2028 as well.
    expect(calendarWarnings(cal, sh('2027-03-01 10:00'), zone).map((w) => w.year)).toEqual([2027])
    expect(calendarWarnings(cal, sh('2027-11-02 10:00'), zone).map((w) => w.year)).toEqual([
      2027, 2028,
    ])
  })

  it('says nothing once next year is official', () => {
    const withNext = createWorkingCalendar({
      timeZone: zone,
      officialYears: [{ year: 2027, holidays: ['2027-01-01'], workdays: [], source: 'notice' }],
    })
    expect(calendarWarnings(withNext, sh('2026-11-05 10:00'), zone)).toEqual([])
    // Nor in November 2025, when chinese-days has 2026.
    expect(calendarWarnings(cal, sh('2025-11-05 10:00'), zone)).toEqual([])
  })
})
