import { afterEach, describe, expect, it, vi } from 'vitest'

import { cached } from '../../src/metrics/live-gauges.ts'
import { statusClass } from '../../src/metrics/metrics.ts'
import { twilioEndpoint } from '../../src/metrics/twilio-edge.ts'

const API = 'https://api.twilio.com/2010-04-01/Accounts/AC11111111111111111111111111111111'

describe('the Twilio endpoint label', () => {
  it('names the resource, never its SIDs', () => {
    expect(twilioEndpoint(`${API}/Calls.json`)).toBe('Calls')
    expect(twilioEndpoint(`${API}/Calls/CA${'a'.repeat(32)}.json`)).toBe('Calls')
    expect(twilioEndpoint(`${API}/Messages.json`)).toBe('Messages')
    expect(
      twilioEndpoint(
        `${API}/Conferences/CF${'b'.repeat(32)}/Participants/CA${'c'.repeat(32)}.json`,
      ),
    ).toBe('Conferences/Participants')
    expect(twilioEndpoint(`${API}/Conferences/CF${'b'.repeat(32)}.json`)).toBe('Conferences')
    expect(twilioEndpoint(`${API}.json`)).toBe('Accounts')
  })

  it('is "other" for anything not shaped like a resource, so no number slips into a label', () => {
    // A participant addressed by a label or number instead of a CallSid: the id is dropped.
    expect(twilioEndpoint(`${API}/Conferences/room/Participants/+8613800000000.json`)).toBe(
      'Conferences/Participants',
    )
    expect(twilioEndpoint(`${API}/+8613800000000.json`)).toBe('other')
    expect(twilioEndpoint('https://messaging.twilio.com/v1/Services')).toBe('other')
    expect(twilioEndpoint('not a url')).toBe('other')
  })
})

describe('the status class label', () => {
  it('keeps the hundreds', () => {
    expect([200, 204, 301, 404, 429, 503].map(statusClass)).toEqual([
      '2xx',
      '2xx',
      '3xx',
      '4xx',
      '4xx',
      '5xx',
    ])
  })
})

describe('the scrape-time cache', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('asks its source once per period, and again at once after a failure', async () => {
    vi.useFakeTimers({ now: new Date('2026-12-02T00:00:00Z'), toFake: ['Date'] })
    let asked = 0
    let fail = false
    const read = cached(() => {
      asked++
      return fail ? Promise.reject(new Error('postgres is down')) : Promise.resolve(asked)
    }, 5000)
    // Two scrapes together and one 5 s later share the first answer: one query.
    expect(await Promise.all([read(), read()])).toEqual([1, 1])
    vi.advanceTimersByTime(5000)
    expect(await read()).toBe(1)
    // Past the 5 s, the second query.
    vi.advanceTimersByTime(1)
    expect(await read()).toBe(2)
    // A failed query (the third) is not kept: the next scrape asks again (the fourth).
    vi.advanceTimersByTime(5001)
    fail = true
    await expect(read()).rejects.toThrow('postgres is down')
    fail = false
    expect(await read()).toBe(4)
    expect(asked).toBe(4)
  })
})
