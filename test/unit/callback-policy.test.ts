import { describe, expect, it } from 'vitest'

import {
  DEFAULT_CALLING_HOURS,
  nextCallingMoment,
} from '../../src/domain/calendar/calling-hours.ts'
import { DEFAULT_RETRY_POLICY, nextAttempt } from '../../src/domain/callback-policy.ts'

const TZ = 'Asia/Shanghai'
const calling = (at: Date) => nextCallingMoment(at, DEFAULT_CALLING_HOURS, TZ)
const at = (iso: string) => new Date(iso)
const base = {
  policy: DEFAULT_RETRY_POLICY,
  nextCallingMoment: calling,
  deadline: null,
  since: null,
}

describe('nextAttempt', () => {
  it('waits longer after each failed attempt', () => {
    const now = at('2026-11-23T02:00:00Z') // 10:00 Shanghai
    const gaps = [1, 2, 3].map((n) => {
      const r = nextAttempt({ ...base, now, attemptsMade: n })
      if (r.kind !== 'retry') throw new Error('expected a retry')
      return (r.at.getTime() - now.getTime()) / 60_000
    })
    expect(gaps).toEqual([10, 30, 90])
  })

  it('gives up after the last attempt', () => {
    expect(nextAttempt({ ...base, now: at('2026-11-23T02:00:00Z'), attemptsMade: 5 })).toEqual({
      kind: 'exhausted',
    })
  })

  it('never rings at night: a retry falling after 20:30 waits for 08:30', () => {
    const r = nextAttempt({ ...base, now: at('2026-11-23T12:00:00Z'), attemptsMade: 2 }) // 20:00 + 30 min
    expect(r).toEqual({ kind: 'retry', at: at('2026-11-24T00:30:00Z') })
  })

  it('pulls a retry forward when waiting the normal gap would put the deadline at risk', () => {
    const since = at('2026-11-23T02:00:00Z')
    const deadline = at('2026-11-23T04:00:00Z') // a two-hour limit: at risk from 11:36
    const now = at('2026-11-23T03:00:00Z') // 11:00, third attempt failed: normal gap 90 min
    const r = nextAttempt({ ...base, now, attemptsMade: 3, deadline, since })
    expect(r).toEqual({ kind: 'retry', at: at('2026-11-23T03:10:00Z') })
    const relaxed = nextAttempt({
      ...base,
      now,
      attemptsMade: 3,
      deadline: at('2026-11-24T04:00:00Z'),
      since,
    })
    expect(relaxed).toEqual({ kind: 'retry', at: at('2026-11-23T04:30:00Z') })
  })
})
