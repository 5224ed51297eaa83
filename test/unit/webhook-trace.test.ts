import { describe, expect, it } from 'vitest'

import { newTrace, traceSummary } from '../../src/metrics/webhook-trace.ts'

describe('traceSummary', () => {
  it('names the slowest statement without its literals, on one line', () => {
    const t = newTrace()
    t.ms.db = 12
    t.queries = 2
    t.slowestQueryMs = 9.04
    t.slowestQuery =
      "select *\n  from calls where from_number = '+8613500000001' and note = 'it''s'"
    const s = traceSummary(t)
    expect(s['slowestQuery']).toBe("select * from calls where from_number = '?' and note = '?'")
    expect(s['slowestQueryMs']).toBe(9)
    expect(s['dbMs']).toBe(12)
    expect(s['queries']).toBe(2)
    expect(s['otherMs']).toBeGreaterThanOrEqual(0)
  })
})
