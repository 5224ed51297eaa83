import { DateTime } from 'luxon'
import { describe, expect, it } from 'vitest'

import { createWorkingCalendar } from '../../src/domain/calendar/working-calendar.ts'
import type { TimeLimit } from '../../src/domain/time-limits.ts'
import {
  assertTimeLimit,
  deadlineFor,
  DEFAULT_POLICIES,
  findPolicy,
  isLimitAtRisk,
  limitStatus,
  limitWindow,
  warnAt,
} from '../../src/domain/time-limits.ts'

const zone = 'Asia/Shanghai'
const cal = createWorkingCalendar({ timeZone: zone })
const sh = (local: string) => DateTime.fromSQL(local, { zone }).toJSDate()
const show = (at: Date) => DateTime.fromJSDate(at, { zone }).toFormat('yyyy-MM-dd HH:mm ccc')
const due = (limit: TimeLimit, start: string) => show(deadlineFor(limit, sh(start), cal))

describe('DEFAULT_POLICIES', () => {
  it('are all valid limits, one per step, category and variant', () => {
    for (const p of DEFAULT_POLICIES) assertTimeLimit(p)
    const keys = DEFAULT_POLICIES.map((p) => `${p.step}/${p.category}/${p.variant}`)
    expect(new Set(keys).size).toBe(keys.length)
  })

  it('pick the most specific row: variant, then category, then any category', () => {
    const pick = (...args: [string | null, string | null]) =>
      findPolicy(DEFAULT_POLICIES, 'resolution', ...args)
    expect(pick('repair', 'in_home')).toMatchObject({ amount: 7, unit: 'days', basis: 'working' })
    expect(pick('repair', 'simple')).toMatchObject({ amount: 0.5, unit: 'days', basis: 'working' })
    expect(pick('complaint', 'serious')).toMatchObject({
      amount: 2,
      unit: 'days',
      basis: 'calendar',
    })
    expect(pick('complaint', 'unheard-of')).toMatchObject({ variant: null, amount: 0.5 })
    expect(pick('inquiry', 'utility')).toMatchObject({ amount: 2, unit: 'days', basis: 'working' })
    expect(pick('emergency', null)).toMatchObject({ amount: 10, unit: 'minutes' })
    // #31: a category without its own limit, or no category at all, gets the manager's day.
    expect(pick('lost-property', null)).toMatchObject({ amount: 1, unit: 'days', basis: 'working' })
    expect(pick(null, null)).toMatchObject({ category: null, amount: 1, unit: 'days' })
    expect(findPolicy(DEFAULT_POLICIES, 'dispatch', 'emergency')).toMatchObject({ amount: 1.5 })
    expect(findPolicy(DEFAULT_POLICIES, 'dispatch', 'repair')).toMatchObject({ amount: 2 })
  })
})

describe('deadlineFor', () => {
  it('adds elapsed minutes and calendar days (same local time) on the calendar basis', () => {
    expect(due({ amount: 10, unit: 'minutes', basis: 'calendar' }, '2026-11-21 23:55')).toBe(
      '2026-11-22 00:05 Sun',
    )
    expect(due({ amount: 2, unit: 'days', basis: 'calendar' }, '2026-09-30 17:00')).toBe(
      '2026-10-02 17:00 Fri',
    )
  })

  it('counts working minutes and working days on the working basis', () => {
    const halfDay = { amount: 240, unit: 'minutes', basis: 'working' } as const
    expect(due(halfDay, '2026-11-19 16:00')).toBe('2026-11-20 11:00 Fri')
    const sevenDays = { amount: 7, unit: 'days', basis: 'working' } as const
    // Sep 30 → Oct 8, 9, 10 (make-up Saturday), 12, 13, 14, 15.
    expect(due(sevenDays, '2026-09-30 10:00')).toBe('2026-10-15 10:00 Thu')
    const oneDay = { amount: 1, unit: 'days', basis: 'working' } as const
    expect(due(oneDay, '2026-11-20 19:00')).toBe('2026-11-23 18:00 Mon')
  })

  it('refuses limits that say nothing clear', () => {
    const start = sh('2026-11-20 10:00')
    const limit = (over: Partial<TimeLimit>) => ({ ...DEFAULT_POLICIES[0]!, ...over })
    expect(() => deadlineFor(limit({ amount: 0 }), start, cal)).toThrow(/> 0/)
    // Half a day only on the working basis (half the working minutes); no other fraction.
    expect(() => deadlineFor(limit({ amount: 0.5, unit: 'days' }), start, cal)).toThrow(
      /half a working day/,
    )
    expect(() =>
      deadlineFor(limit({ amount: 1.5, unit: 'days', basis: 'working' }), start, cal),
    ).toThrow(/days must be whole/)
  })
})

describe('half a working day', () => {
  const halfDay = { amount: 0.5, unit: 'days', basis: 'working' } as const
  const lunch = createWorkingCalendar({
    timeZone: zone,
    workingHours: { start: '09:00', end: '18:00' },
    breaks: [{ start: '12:00', end: '13:30' }],
  })

  it('is half of the working minutes of the day, breaks left out', () => {
    // 09:00-12:00 (180) + 13:30-18:00 (270) = 450 working minutes; half is 225 = 3 h 45 min.
    expect(lunch.workingMinutesPerDay).toBe(450)
    // 09:00-18:00 without a break: 540 minutes, half is 270 = 4 h 30 min.
    expect(cal.workingMinutesPerDay).toBe(540)
    expect(due(halfDay, '2026-11-19 09:00')).toBe('2026-11-19 13:30 Thu')
  })

  it('skips the lunch break', () => {
    const at = (start: string) => show(deadlineFor(halfDay, sh(start), lunch))
    // From 10:00: 120 min to 12:00, lunch, then 105 more from 13:30: 15:15.
    expect(at('2026-11-19 10:00')).toBe('2026-11-19 15:15 Thu')
    // Started during lunch: the clock starts at 13:30; 225 min later is 17:15.
    expect(at('2026-11-19 12:30')).toBe('2026-11-19 17:15 Thu')
    // From 16:00 Friday: 120 min that day, then Monday 09:00 + 105 min: 10:45.
    expect(at('2026-11-20 16:00')).toBe('2026-11-23 10:45 Mon')
    // From 11:00 Friday: 60 min to lunch, 165 after it: 13:30 + 2:45 = 16:15, same day.
    expect(at('2026-11-20 11:00')).toBe('2026-11-20 16:15 Fri')
  })
})

describe('warnAt and limitStatus', () => {
  it('warns at 80% of elapsed time on the calendar basis', () => {
    const start = sh('2026-11-20 10:00')
    const deadline = sh('2026-11-20 10:10')
    expect(show(warnAt(start, deadline))).toBe('2026-11-20 10:08 Fri')
    expect(limitStatus(sh('2026-11-20 10:07'), start, deadline)).toBe('ok')
    expect(limitStatus(sh('2026-11-20 10:08'), start, deadline)).toBe('at_risk')
    expect(limitStatus(sh('2026-11-20 10:10'), start, deadline)).toBe('breached')
    expect(isLimitAtRisk(sh('2026-11-20 10:08'), start, deadline)).toBe(true)
    expect(isLimitAtRisk(sh('2026-11-20 10:09'), start, deadline, 0.95)).toBe(false)
  })

  it('warns at 80% of working time on the working basis', () => {
    // Half a day from Thu 16:00: 120 min that day, 120 the next morning; 80% = 192 working min.
    const halfDay = { amount: 240, unit: 'minutes', basis: 'working' } as const
    const window = limitWindow(halfDay, sh('2026-11-19 16:00'), cal)
    expect(show(window.dueAt)).toBe('2026-11-20 11:00 Fri')
    expect(show(window.warnAt)).toBe('2026-11-20 10:12 Fri')
    expect(limitStatus(sh('2026-11-19 20:00'), window)).toBe('ok')
    expect(limitStatus(sh('2026-11-20 10:11'), window)).toBe('ok')
    expect(limitStatus(sh('2026-11-20 10:12'), window)).toBe('at_risk')
    expect(limitStatus(sh('2026-11-20 11:00'), window)).toBe('breached')
    expect(isLimitAtRisk(sh('2026-11-20 10:30'), window)).toBe(true)
  })

  it('rejects a share outside [0, 1]', () => {
    expect(() => warnAt(sh('2026-11-20 10:00'), sh('2026-11-20 11:00'), 80)).toThrow(/\[0, 1\]/)
  })
})
