import { describe, expect, it } from 'vitest'

import { monthStartDate, parsePeriod, periodOf } from '../../src/domain/periods.ts'

const SH = 'Asia/Shanghai'
const iso = (p: { from: Date; to: Date }) => [p.from.toISOString(), p.to.toISOString()]

describe('periodOf', () => {
  it('cuts months at local midnight in the deployment zone', () => {
    // 2026-11-30 23:59 in Shanghai is 15:59 UTC: still November.
    const last = periodOf('month', new Date('2026-11-30T15:59:00Z'), SH)
    expect(last.label).toBe('2026-11')
    expect(iso(last)).toEqual(['2026-10-31T16:00:00.000Z', '2026-11-30T16:00:00.000Z'])
    // 00:00 on 1 December in Shanghai is 16:00 UTC on the 30th: December already.
    const next = periodOf('month', new Date('2026-11-30T16:00:00Z'), SH)
    expect(next.label).toBe('2026-12')
    expect(next.from).toEqual(last.to)
  })

  it('gives ISO weeks starting on Monday, labelled with the ISO week-year', () => {
    // Sunday 2026-11-29 23:59 Shanghai: week 48 (Mon 23 – Sun 29 November).
    const sunday = periodOf('week', new Date('2026-11-29T15:59:00Z'), SH)
    expect(sunday.label).toBe('2026-W48')
    expect(iso(sunday)).toEqual(['2026-11-22T16:00:00.000Z', '2026-11-29T16:00:00.000Z'])
    expect(periodOf('week', new Date('2026-11-29T16:00:00Z'), SH).label).toBe('2026-W49')
    // 1 January 2027 is a Friday: it belongs to week 53 of 2026.
    expect(periodOf('week', new Date('2027-01-01T04:00:00Z'), SH).label).toBe('2026-W53')
    // 29 December 2025 (Monday) starts week 1 of 2026.
    expect(periodOf('week', new Date('2025-12-29T04:00:00Z'), SH).label).toBe('2026-W01')
  })

  it('follows the zone it is given, not the server', () => {
    const utc = periodOf('month', new Date('2026-11-30T20:00:00Z'), 'UTC')
    expect(utc.label).toBe('2026-11')
    expect(periodOf('month', new Date('2026-11-30T20:00:00Z'), SH).label).toBe('2026-12')
  })

  it('keeps local midnight across a daylight-saving change', () => {
    // Berlin moves its clocks on 29 March 2026: March is one hour shorter than 31 days.
    const march = periodOf('month', new Date('2026-03-15T12:00:00Z'), 'Europe/Berlin')
    expect(iso(march)).toEqual(['2026-02-28T23:00:00.000Z', '2026-03-31T22:00:00.000Z'])
  })
})

describe('parsePeriod', () => {
  it('reads months and weeks back into the same ranges periodOf gives', () => {
    const at = new Date('2026-11-23T02:00:00Z')
    expect(parsePeriod('2026-11', SH)).toEqual(periodOf('month', at, SH))
    expect(parsePeriod('2026-W48', SH)).toEqual(periodOf('week', at, SH))
    expect(parsePeriod('2026-W53', SH).label).toBe('2026-W53')
    expect(monthStartDate(parsePeriod('2026-11', SH))).toBe('2026-11-01')
  })

  it.each(['2026-13', '2026-00', '2026-1', '26-11', '2026-W00', '2025-W53', '2026-W54', '', 'now'])(
    'refuses %j and says what a period looks like',
    (label) => {
      expect(() => parsePeriod(label, SH)).toThrow(/2026-11.*2026-W48/)
    },
  )

  it('reads a single local day only when asked to, cut at local midnight', () => {
    const day = parsePeriod('2026-11-05', SH, { allowDay: true })
    expect(day.kind).toBe('day')
    expect(day.label).toBe('2026-11-05')
    // 00:00 and 24:00 in Shanghai are 16:00 UTC the day before and on the day.
    expect([day.from.toISOString(), day.to.toISOString()]).toEqual([
      '2026-11-04T16:00:00.000Z',
      '2026-11-05T16:00:00.000Z',
    ])
    expect(parsePeriod('2026-11', SH, { allowDay: true }).kind).toBe('month')
    expect(() => parsePeriod('2026-11-05', SH)).toThrow(/2026-11.*2026-W48/)
    expect(() => parsePeriod('2026-02-30', SH, { allowDay: true })).toThrow(
      /not a date.*2026-11-05/,
    )
    expect(() => parsePeriod('2026-11-5', SH, { allowDay: true })).toThrow(/2026-11-05/)
  })

  it('refuses an unknown time zone', () => {
    expect(() => parsePeriod('2026-11', 'Mars/Olympus')).toThrow(/IANA/)
  })

  it('refuses a week as a month start', () => {
    expect(() => monthStartDate(parsePeriod('2026-W48', SH))).toThrow(/not a month/)
  })
})
