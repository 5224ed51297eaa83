import { describe, expect, it } from 'vitest'

import { missedInARow } from '../../src/domain/missed-offers.ts'

describe('missedInARow', () => {
  it('is true once the latest offers are `limit` misses in a row', () => {
    expect(missedInARow(['no_answer', 'no_answer'], 2)).toBe(true)
    expect(missedInARow(['no_answer', 'busy', 'failed'], 3)).toBe(true)
    expect(missedInARow(['no_answer'], 2)).toBe(false)
    expect(missedInARow([], 1)).toBe(false)
  })

  it('a decline or an answer in between breaks the run: the agent is there', () => {
    expect(missedInARow(['no_answer', 'declined', 'no_answer'], 2)).toBe(false)
    expect(missedInARow(['no_answer', 'accepted', 'no_answer'], 2)).toBe(false)
    expect(missedInARow(['no_answer', 'answered', 'no_answer'], 2)).toBe(false)
  })

  it('rings stopped because a colleague answered or the caller left count for nothing', () => {
    expect(missedInARow(['no_answer', 'cancelled', 'taken', 'caller_gone', 'no_answer'], 2)).toBe(
      true,
    )
    expect(missedInARow(['cancelled', 'cancelled', 'cancelled'], 1)).toBe(false)
  })

  it('a limit of 0 never sets anyone away', () => {
    expect(missedInARow(['no_answer', 'no_answer', 'no_answer'], 0)).toBe(false)
  })
})
