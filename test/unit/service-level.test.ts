import { describe, expect, it } from 'vitest'

import { isWithin, roundSeconds, serviceLevel } from '../../src/domain/service-level.ts'

describe('serviceLevel', () => {
  it('divides answered within by offered less the short abandons', () => {
    // 4 / (9 − 1)
    expect(serviceLevel({ offered: 9, answeredWithin: 4, abandonedShort: 1 })).toBe(0.5)
    // 99 / (101 − 1): the 12345 hotlines' published 99 %
    expect(serviceLevel({ offered: 101, answeredWithin: 99, abandonedShort: 1 })).toBe(0.99)
  })

  it('gives no rate, not 100 %, when nothing is left to judge', () => {
    expect(serviceLevel({ offered: 0, answeredWithin: 0, abandonedShort: 0 })).toBeNull()
    // Every caller hung up within 5 s.
    expect(serviceLevel({ offered: 2, answeredWithin: 0, abandonedShort: 2 })).toBeNull()
  })

  it('refuses counts that cannot come from one set of calls', () => {
    expect(() => serviceLevel({ offered: 1, answeredWithin: 0, abandonedShort: 2 })).toThrow(
      /inconsistent/,
    )
    expect(() => serviceLevel({ offered: 2, answeredWithin: 2, abandonedShort: 1 })).toThrow(
      /inconsistent/,
    )
  })
})

describe('the bounds', () => {
  it('counts exactly the limit as within it, and a millisecond more as not', () => {
    expect(isWithin(15, 15)).toBe(true)
    expect(isWithin(15.001, 15)).toBe(false)
    expect(isWithin(14, 15)).toBe(true)
  })

  it('shows seconds to one decimal', () => {
    expect(roundSeconds(17.25)).toBe(17.3)
    expect(roundSeconds(104 / 6)).toBe(17.3)
    expect(roundSeconds(null)).toBeNull()
  })
})
