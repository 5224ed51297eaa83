import { describe, expect, it } from 'vitest'

import { advance, startCursor, wanted } from '../../src/live/hint-cursor.ts'

describe('the live hints cursor', () => {
  it('delivers new ids once and moves past them', () => {
    const a = advance(startCursor(10), [11, 12, 13], 0)
    expect([...a.deliver]).toEqual([11, 12, 13])
    expect(wanted(a.cursor)).toEqual({ after: 13, gaps: [] })
    const b = advance(a.cursor, [12, 13, 14], 100)
    expect([...b.deliver]).toEqual([14])
  })

  it('asks again for an id skipped over, and delivers it when its transaction commits late', () => {
    // 12 was inserted before 13 but committed after it was read.
    const a = advance(startCursor(10), [13, 11], 0)
    expect([...a.deliver].sort()).toEqual([11, 13])
    expect(wanted(a.cursor)).toEqual({ after: 13, gaps: [12] })
    const b = advance(a.cursor, [12, 14], 1_000)
    expect([...b.deliver]).toEqual([12, 14])
    expect(wanted(b.cursor).gaps).toEqual([])
    // Once delivered, never again.
    expect([...advance(b.cursor, [12], 1_500).deliver]).toEqual([])
  })

  it('stops asking for a gap after the wait (a rolled-back insert never shows)', () => {
    const a = advance(startCursor(0), [3], 0, { gapWaitMs: 5_000 })
    expect(wanted(a.cursor).gaps).toEqual([1, 2])
    expect(wanted(advance(a.cursor, [], 5_000, { gapWaitMs: 5_000 }).cursor).gaps).toEqual([1, 2])
    const late = advance(a.cursor, [], 5_001, { gapWaitMs: 5_000 })
    expect(wanted(late.cursor).gaps).toEqual([])
    // Too late: it is not delivered (the screen has long refetched on later hints).
    expect([...advance(late.cursor, [2], 5_002).deliver]).toEqual([])
  })

  it('keeps at most maxGaps, the newest, after a jump', () => {
    const a = advance(startCursor(0), [100_000], 0, { maxGaps: 3 })
    expect(wanted(a.cursor)).toEqual({ after: 100_000, gaps: [99_997, 99_998, 99_999] })
    const b = advance(a.cursor, [100_002], 1, { maxGaps: 3 })
    expect(wanted(b.cursor).gaps).toEqual([99_998, 99_999, 100_001])
  })
})
