import { describe, expect, it } from 'vitest'

import { formatCaseReference, localDateOf } from '../../src/domain/case-reference.ts'

describe('case references', () => {
  it("take the day in the deployment's time zone, each zone its own", () => {
    // 16:30 UTC on 2 December is already 3 December in Shanghai, still 2 December in London.
    const at = new Date('2026-12-02T16:30:00Z')
    expect(localDateOf(at, 'Asia/Shanghai')).toBe('2026-12-03')
    expect(localDateOf(at, 'Europe/London')).toBe('2026-12-02')
    expect(localDateOf(at, 'Asia/Shanghai')).toBe('2026-12-03')
  })

  it('read PREFIX-YYYYMMDD-NNNN', () => {
    expect(formatCaseReference('SW', '2026-12-03', 7)).toBe('SW-20261203-0007')
  })
})
