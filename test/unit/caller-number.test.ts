import { describe, expect, it } from 'vitest'

import { isWithheldNumber } from '../../src/domain/caller-number.ts'

describe('isWithheldNumber', () => {
  it('recognises the ways a withheld number arrives', () => {
    for (const from of [
      'anonymous',
      'Anonymous',
      'restricted',
      '+266696687',
      '+7378742833',
      '+8656696',
      '',
    ]) {
      expect(isWithheldNumber(from)).toBe(true)
    }
  })
  it('keeps real numbers and client identities', () => {
    for (const from of ['+8613800001111', '+15005550006', 'client:agent-1001']) {
      expect(isWithheldNumber(from)).toBe(false)
    }
  })
})
