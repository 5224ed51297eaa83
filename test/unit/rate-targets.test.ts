import { describe, expect, it } from 'vitest'

import { DEFAULT_RATE_TARGETS, meetsTarget } from '../../src/domain/rate-targets.ts'

describe('a rate against its target', () => {
  const moreThan98 = { value: 0.98, comparison: 'gt' } as const
  const atLeast98 = { value: 0.98, comparison: 'gte' } as const

  it('judges "> 98 %" strictly: 49 of 50 is exactly 98 % and does not meet it', () => {
    expect(meetsTarget(49, 50, moreThan98)).toBe(false)
    // 99 of 100 = 99 % > 98 %; 491 of 500 = 98.2 %
    expect(meetsTarget(99, 100, moreThan98)).toBe(true)
    expect(meetsTarget(491, 500, moreThan98)).toBe(true)
    // "at least 98 %": the same 49 of 50 meets it, 489 of 500 (97.8 %) does not
    expect(meetsTarget(49, 50, atLeast98)).toBe(true)
    expect(meetsTarget(489, 500, atLeast98)).toBe(false)
  })

  it('needs every one for 100 %, and says nothing when nothing was counted', () => {
    const all = DEFAULT_RATE_TARGETS.timeliness
    expect(all).toEqual({ value: 1, comparison: 'gte' })
    expect(meetsTarget(7, 7, all)).toBe(true)
    expect(meetsTarget(999, 1000, all)).toBe(false)
    expect(meetsTarget(0, 0, all)).toBeNull()
  })

  it("has the sources' targets as defaults", () => {
    expect(DEFAULT_RATE_TARGETS).toEqual({
      timeliness: { value: 1, comparison: 'gte' },
      satisfaction: { value: 0.98, comparison: 'gt' },
      returnCall: { value: 1, comparison: 'gte' },
      pass: { value: 1, comparison: 'gte' },
      classification: { value: 0.99, comparison: 'gt' },
      informationAccuracy: { value: 0.98, comparison: 'gt' },
    })
  })
})
