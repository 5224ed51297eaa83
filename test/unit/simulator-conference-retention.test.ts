import { EventEmitter } from 'node:events'

import { describe, expect, it } from 'vitest'

import {
  endConference,
  findConference,
  getOrCreateConference,
} from '../../src/telephony/simulator/conference.ts'
import type { Core } from '../../src/telephony/simulator/core.ts'

/** The engine's shared state with nothing in it: conferences with no status callback need no more. */
function emptyCore(): Core {
  return {
    accountSid: 'AC' + 'c'.repeat(32),
    authToken: 'token',
    resolveNumber: () => undefined,
    transport: () => Promise.reject(new Error('no webhooks in this test')),
    timings: {} as Core['timings'],
    logger: undefined,
    calls: new Map(),
    endedCallResources: new Map(),
    endedCalls: new Set(),
    conferences: new Map(),
    liveConferences: new Map(),
    endedConferences: new Set(),
    devices: new Map(),
    messages: [],
    recordings: [],
    events: new EventEmitter(),
    lifetime: new AbortController(),
    pending: new Set(),
  }
}

describe('simulator conferences over a long day', () => {
  it('finds a live conference by name among thousands ended, and forgets only the oldest ended', () => {
    const core = emptyCore()
    const first = getOrCreateConference(core, 'call-0')
    endConference(core, first, 'last-participant-left', undefined)
    for (let i = 1; i <= 3000; i++) {
      endConference(
        core,
        getOrCreateConference(core, `call-${i}`),
        'last-participant-left',
        undefined,
      )
    }
    const live = getOrCreateConference(core, 'call-live')

    // Bounded: a conference a call would otherwise grow the simulator without end.
    expect(core.conferences.size).toBe(2001)
    expect(findConference(core, first.sid)).toBeUndefined()
    expect(findConference(core, 'call-live')).toBe(live)
    const recent = [...core.endedConferences].at(-1) ?? ''
    expect(findConference(core, recent)?.status).toBe('completed')
    // An ended conference's name is free again: joining it starts a new one, as on Twilio.
    const again = getOrCreateConference(core, 'call-3000')
    expect(again.sid).not.toBe(recent)
    expect(again.status).toBe('init')
  })
})
