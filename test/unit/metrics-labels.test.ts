import { describe, expect, it } from 'vitest'

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
